using System.Net;
using System.Net.Sockets;
using GuestAssist.Linux.Vsock;

namespace GuestAssist.Linux.Tests.Vsock;

/// <summary>The vsock listener's reject-and-keep-accepting loop, run over TCP loopback (vsock peers cannot be made here).</summary>
public class PolicyAcceptTests
{
    [Fact]
    public async Task Rejected_peers_are_closed_and_the_next_allowed_peer_is_returned()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(4);
        using var rejectedClient = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var allowedClient = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await rejectedClient.ConnectAsync(listener.LocalEndPoint!);
        var rejectedPort = ((IPEndPoint)rejectedClient.LocalEndPoint!).Port;
        await allowedClient.ConnectAsync(listener.LocalEndPoint!);
        var rejected = new List<EndPoint?>();

        using var accepted = await PolicyAccept.AcceptAsync(
            listener,
            peer => ((IPEndPoint)peer!).Port != rejectedPort,
            rejected.Add,
            CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(allowedClient.LocalEndPoint, accepted.RemoteEndPoint);
        Assert.Equal(rejectedPort, ((IPEndPoint)Assert.Single(rejected)!).Port);
        Assert.Equal(0, await rejectedClient.ReceiveAsync(new byte[1]).WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
