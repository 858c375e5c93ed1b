using System.Net.Sockets;

namespace GuestAssist.Linux.Transports;

/// <summary>Unix domain stream sockets.</summary>
internal sealed class UnixTransport(UnixAddress address, TransportOptions options) : ITransportEndpoint
{
    public TransportAddress Address => address;

    public bool CanConnect => true;

    public bool CanListen => true;

    public async ValueTask<Stream> ConnectAsync(CancellationToken cancellationToken)
    {
        var socket = await SocketConnector.ConnectAsync(address, new UnixDomainSocketEndPoint(address.Path),
            ProtocolType.Unspecified, options.ConnectTimeout, address.Path, cancellationToken).ConfigureAwait(false);
        return new NetworkStream(socket, ownsSocket: true);
    }

    public ITransportListener Listen() => UnixSocketFile.Listen(address, address.Path, options.ListenBacklog);
}
