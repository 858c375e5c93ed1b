using System.Net.Sockets;

namespace GuestAssist.Linux.Vsock;

/// <summary>A bound, listening AF_VSOCK socket that hands out only connections its policy allows.</summary>
internal sealed class VsockListener : IDisposable
{
    private readonly Socket socket;
    private long rejectedPeers;

    private VsockListener(Socket socket, VsockEndPoint localEndPoint, VsockPeerPolicy policy)
    {
        this.socket = socket;
        LocalEndPoint = localEndPoint;
        Policy = policy;
    }

    /// <summary>The bound address as the kernel reports it (a requested PORT_ANY is resolved).</summary>
    public VsockEndPoint LocalEndPoint { get; }

    public VsockPeerPolicy Policy { get; }

    /// <summary>Connections closed on accept because the peer CID was not allowed.</summary>
    public long RejectedPeers => Interlocked.Read(ref rejectedPeers);

    /// <summary>socket + bind + listen. Throws LinuxException/SocketException when the kernel refuses.</summary>
    public static VsockListener Start(VsockEndPoint local, VsockPeerPolicy? policy = null, int backlog = 16)
    {
        var socket = VsockSocket.Create();
        try
        {
            socket.Bind(local);
            socket.Listen(backlog);
            return new VsockListener(socket, VsockSocket.GetLocalEndPoint(socket), policy ?? VsockPeerPolicy.HostOnly);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Waits for the next allowed peer; peers the policy rejects are closed and counted.</summary>
    public async ValueTask<(Socket Connection, VsockEndPoint Peer)> AcceptAsync(CancellationToken cancellationToken)
    {
        var connection = await PolicyAccept.AcceptAsync(
            socket,
            peer => peer is VsockEndPoint vsock && Policy.Allows(vsock),
            _ => Interlocked.Increment(ref rejectedPeers),
            cancellationToken).ConfigureAwait(false);
        return (connection, (VsockEndPoint)connection.RemoteEndPoint!);
    }

    public void Dispose() => socket.Dispose();
}
