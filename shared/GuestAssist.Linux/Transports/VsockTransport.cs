using System.Net.Sockets;
using GuestAssist.Linux.Errors;
using GuestAssist.Linux.Vsock;

namespace GuestAssist.Linux.Transports;

/// <summary>AF_VSOCK (QEMU vhost-vsock and other KVM hosts).</summary>
internal sealed class VsockTransport(VsockAddress address, TransportOptions options) : ITransportEndpoint
{
    public TransportAddress Address => address;

    public bool CanConnect => address.Cid != VsockCid.Any;

    public bool CanListen => true;

    public async ValueTask<Stream> ConnectAsync(CancellationToken cancellationToken)
    {
        if (!CanConnect)
        {
            throw new TransportException(address, TransportOperation.Connect, TransportFailure.NotSupported,
                "a vsock address without a CID can only listen; write vsock:cid:port to connect");
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.ConnectTimeout);
        try
        {
            var socket = await VsockSocket.ConnectAsync(address.EndPoint, deadline.Token).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TransportException(address, TransportOperation.Connect, TransportFailure.Timeout,
                $"no connection within {options.ConnectTimeout.TotalMilliseconds:0} ms");
        }
        catch (Exception error) when (error is SocketException or LinuxException)
        {
            throw TransportException.FromOs(address, TransportOperation.Connect, error);
        }
    }

    public ITransportListener Listen()
    {
        try
        {
            var listener = VsockListener.Start(address.EndPoint, options.VsockPeers, options.ListenBacklog);
            return new VsockTransportListener(listener);
        }
        catch (LinuxException error) when (error.Errno is Errno.EAFNOSUPPORT)
        {
            throw new TransportException(address, TransportOperation.Listen, TransportFailure.NotSupported,
                "this kernel has no AF_VSOCK (load the vsock transport module, e.g. vmw_vsock_virtio_transport)", error);
        }
        catch (Exception error) when (error is SocketException or LinuxException)
        {
            throw TransportException.FromOs(address, TransportOperation.Listen, error);
        }
    }
}
