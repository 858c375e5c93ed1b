using System.Net;
using System.Net.Sockets;

namespace GuestAssist.Linux.Transports;

/// <summary>TCP (loopback tooling and tests).</summary>
internal sealed class TcpTransport(TcpAddress address, TransportOptions options) : ITransportEndpoint
{
    public TransportAddress Address => address;

    public bool CanConnect => true;

    public bool CanListen => true;

    public async ValueTask<Stream> ConnectAsync(CancellationToken cancellationToken)
    {
        var socket = await SocketConnector.ConnectAsync(address, address.EndPoint, ProtocolType.Tcp,
            options.ConnectTimeout, address.EndPoint.ToString(), cancellationToken).ConfigureAwait(false);
        socket.NoDelay = true;
        return new NetworkStream(socket, ownsSocket: true);
    }

    public ITransportListener Listen()
    {
        var socket = new Socket(address.Host.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(address.EndPoint);
            socket.Listen(options.ListenBacklog);
            var bound = (IPEndPoint)socket.LocalEndPoint!;
            return new SocketListener(socket, new TcpAddress(bound.Address, (ushort)bound.Port), socketFile: null);
        }
        catch (SocketException error)
        {
            socket.Dispose();
            throw TransportException.FromOs(address, TransportOperation.Listen, error);
        }
    }
}
