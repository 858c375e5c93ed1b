using System.Net;
using System.Net.Sockets;
using GuestAssist.Host.Transfer;

namespace GuestAssist.Host.Engine;

/// <summary>One connected, greeted page-transfer channel of the destination.</summary>
internal sealed class ChannelConnection : IDisposable
{
    private ChannelConnection(Socket socket, NetworkStream stream, uint pageSize, ulong totalFrames)
    {
        Socket = socket;
        Stream = stream;
        Reader = new TransferStreamReader(stream, pageSize, totalFrames);
        Writer = new TransferStreamWriter(stream, pageSize);
    }

    public Socket Socket { get; }

    public NetworkStream Stream { get; }

    public TransferStreamReader Reader { get; }

    public TransferStreamWriter Writer { get; }

    /// <summary>Connects and greets; a refused hello is a protocol error (retrying will not help, but the caller's bound applies).</summary>
    public static ChannelConnection Open(EndPoint server, ChannelHello hello)
    {
        var socket = TransferEndPoint.CreateSocket(server);
        try
        {
            socket.Connect(server);
            var stream = new NetworkStream(socket, ownsSocket: true);
            hello.Write(stream);
            var status = HelloReply.Read(stream);
            if (status != HelloStatus.Accepted)
            {
                throw new TransferProtocolException($"page server refused the {hello.Kind} channel: {status}");
            }
            return new ChannelConnection(socket, stream, hello.PageSize, hello.TotalFrames);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Drops the connection abruptly (both directions), as a network cut would.</summary>
    public void Cut()
    {
        try
        {
            Socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        Socket.Dispose();
    }

    public void Dispose() => Stream.Dispose();
}
