using System.Net.Sockets;
using GuestAssist.Linux.Errors;

namespace GuestAssist.Linux.Transports;

/// <summary>A transport failed: which address, which operation, what kind of failure, and why.</summary>
public sealed class TransportException : IOException
{
    public TransportException(TransportAddress address, TransportOperation operation, TransportFailure failure, string detail, Exception? innerException = null)
        : base($"{operation.ToString().ToLowerInvariant()} {address} failed: {detail}", innerException)
    {
        Address = address;
        Operation = operation;
        Failure = failure;
        Detail = detail;
    }

    public TransportAddress Address { get; }

    public TransportOperation Operation { get; }

    public TransportFailure Failure { get; }

    public string Detail { get; }

    /// <summary>Wraps an OS-level error, classifying it and keeping its message.</summary>
    public static TransportException FromOs(TransportAddress address, TransportOperation operation, Exception error, string? context = null)
    {
        var failure = error switch
        {
            SocketException socket => Classify(socket.SocketErrorCode),
            LinuxException linux => Classify(linux.Errno),
            FileNotFoundException or DirectoryNotFoundException => TransportFailure.NotFound,
            UnauthorizedAccessException => TransportFailure.PermissionDenied,
            _ => TransportFailure.Other,
        };
        var detail = context is null ? error.Message : $"{context}: {error.Message}";
        return new TransportException(address, operation, failure, detail, error);
    }

    private static TransportFailure Classify(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => TransportFailure.Refused,
        SocketError.AddressNotAvailable => TransportFailure.NotFound,
        SocketError.AddressAlreadyInUse => TransportFailure.AddressInUse,
        SocketError.AccessDenied => TransportFailure.PermissionDenied,
        SocketError.TimedOut => TransportFailure.Timeout,
        SocketError.AddressFamilyNotSupported or SocketError.ProtocolNotSupported or SocketError.OperationNotSupported
            => TransportFailure.NotSupported,
        _ => TransportFailure.Other,
    };

    private static TransportFailure Classify(Errno errno) => errno switch
    {
        Errno.ENOENT or Errno.ENODEV or Errno.ENXIO => TransportFailure.NotFound,
        Errno.ECONNREFUSED => TransportFailure.Refused,
        Errno.EADDRINUSE => TransportFailure.AddressInUse,
        Errno.EACCES or Errno.EPERM => TransportFailure.PermissionDenied,
        Errno.ETIMEDOUT => TransportFailure.Timeout,
        Errno.EAFNOSUPPORT or Errno.EPROTONOSUPPORT or Errno.EOPNOTSUPP or Errno.ENOTSOCK => TransportFailure.NotSupported,
        _ => TransportFailure.Other,
    };
}
