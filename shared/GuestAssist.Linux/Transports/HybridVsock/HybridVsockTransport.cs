using System.Net.Sockets;

namespace GuestAssist.Linux.Transports.HybridVsock;

/// <summary>Host to guest through a Firecracker / Cloud Hypervisor vsock muxer (Unix socket + CONNECT).</summary>
internal sealed class HybridVsockTransport(HybridVsockAddress address, TransportOptions options) : ITransportEndpoint
{
    public TransportAddress Address => address;

    public bool CanConnect => true;

    public bool CanListen => false;

    public async ValueTask<Stream> ConnectAsync(CancellationToken cancellationToken) =>
        (await ConnectWithHostPortAsync(cancellationToken).ConfigureAwait(false)).Stream;

    /// <summary>Like <see cref="ConnectAsync"/>, also reporting the host port the VMM assigned.</summary>
    public async ValueTask<HybridVsockConnection> ConnectWithHostPortAsync(CancellationToken cancellationToken)
    {
        var socket = await SocketConnector.ConnectAsync(address, new UnixDomainSocketEndPoint(address.UdsPath),
            ProtocolType.Unspecified, options.ConnectTimeout, $"the VMM's vsock socket {address.UdsPath}",
            cancellationToken).ConfigureAwait(false);
        var stream = new NetworkStream(socket, ownsSocket: true);
        try
        {
            return await HybridVsockHandshake.ConnectAsync(stream, address, address.Port, options.HandshakeTimeout, cancellationToken)
                .ConfigureAwait(false);
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public ITransportListener Listen() =>
        throw new TransportException(address, TransportOperation.Listen, TransportFailure.NotSupported,
            $"hybrid: connects host to guest; to accept guest-initiated connections use hybrid-listen:{address.UdsPath}:{address.Port}");
}
