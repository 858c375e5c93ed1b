using GuestAssist.Protocol.Framing;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Protocol.Connections;

/// <summary>
/// The one place where exceptions become wire errors, so a failing handler answers with a typed
/// <see cref="Error"/> instead of throwing across the connection.
/// </summary>
internal static class ProtocolErrorMapper
{
    public static Error ToError(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var code = exception switch
        {
            ProtocolException protocol => protocol.Code,
            RemoteErrorException remote => remote.Code,
            OperationCanceledException => ErrorCode.Cancelled,
            TimeoutException => ErrorCode.Timeout,
            NotSupportedException => ErrorCode.Unsupported,
            ArgumentException => ErrorCode.InvalidArgument,
            UnauthorizedAccessException => ErrorCode.PermissionDenied,
            KeyNotFoundException or FileNotFoundException or DirectoryNotFoundException => ErrorCode.NotFound,
            _ => ErrorCode.Internal,
        };
        return new Error
        {
            Code = code == ErrorCode.Unspecified ? ErrorCode.Internal : code,
            Message = ChainedMessage(exception),
            Detail = exception.GetType().FullName ?? exception.GetType().Name,
        };
    }

    /// <summary>"outer: inner: innermost", the way operators read a cause.</summary>
    public static string ChainedMessage(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var message = exception.Message;
        for (var inner = exception.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (!message.Contains(inner.Message, StringComparison.Ordinal))
            {
                message = $"{message}: {inner.Message}";
            }
        }
        return message;
    }
}
