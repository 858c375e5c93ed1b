using System.Net;
using System.Net.Sockets;
using GuestAssist.Host.Transfer;
using GuestAssist.Linux.Sockets;

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
            try
            {
                socket.Connect(server);
            }
            catch (SocketException e) when (server is UnixDomainSocketEndPoint unix)
            {
                // .NET words ENOENT as "Cannot assign requested address": say what the kernel said.
                throw new IOException($"no page server at unix:{UnixSocketConnectError.Describe(e, unix.ToString())}", e);
            }
            var stream = new NetworkStream(socket, ownsSocket: true);
            hello.Write(stream);
            var status = HelloReply.Read(stream);
            if (status != HelloStatus.Accepted)
            {
                throw new TransferProtocolException(status == HelloStatus.GeometryMismatch
                    ? $"page server refused the {hello.Kind} channel: GeometryMismatch (this destination has {hello.PageSize}-byte pages and {hello.TotalFrames} frames; give page-server the same --page-size and --regions)"
                    : $"page server refused the {hello.Kind} channel: {status}");
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
