using GuestAssist.Linux.Errors;

namespace GuestAssist.Linux.Transports.Serial;

/// <summary>A virtio-serial port: "connecting" opens the device; there is nothing to listen on.</summary>
internal sealed class SerialPortTransport(SerialPortAddress address) : ITransportEndpoint
{
    public TransportAddress Address => address;

    public bool CanConnect => true;

    public bool CanListen => false;

    public ValueTask<Stream> ConnectAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            return ValueTask.FromResult<Stream>(SerialPortStream.Open(address.DevicePath));
        }
        catch (LinuxException error) when (error.Errno is Errno.ENOENT)
        {
            throw new TransportException(address, TransportOperation.Open, TransportFailure.NotFound,
                $"{address.DevicePath} does not exist (is a virtio-serial port with that name configured for this VM?)", error);
        }
        catch (LinuxException error)
        {
            throw TransportException.FromOs(address, TransportOperation.Open, error);
        }
    }

    public ITransportListener Listen() =>
        throw new TransportException(address, TransportOperation.Listen, TransportFailure.NotSupported,
            "a serial port is opened, not listened on; use ConnectAsync");
}
