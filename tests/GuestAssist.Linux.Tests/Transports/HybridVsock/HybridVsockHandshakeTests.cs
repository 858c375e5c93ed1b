using System.Net.Sockets;
using System.Text;
using GuestAssist.Linux.Transports;
using GuestAssist.Linux.Transports.HybridVsock;

namespace GuestAssist.Linux.Tests.Transports.HybridVsock;

/// <summary>The CONNECT/OK exchange against scripted peers: odd chunking, early ends, resets.</summary>
public class HybridVsockHandshakeTests
{
    private static readonly TransportAddress Address = new HybridVsockAddress("/run/v.sock", 52);

    [Fact]
    public async Task Sends_exactly_one_CONNECT_line()
    {
        var peer = Peer("OK 1073741824\n");

        await Handshake(peer);

        Assert.Equal("CONNECT 52\n", Encoding.ASCII.GetString(peer.Written));
    }

    [Fact]
    public async Task An_answer_arriving_one_byte_at_a_time_is_assembled()
    {
        var peer = new ScriptedStream("OK 1073741825\nab".Select(c => new[] { (byte)c }));

        var connection = await Handshake(peer);

        Assert.Equal(1073741825u, connection.HostPort);
        Assert.Equal("ab", Encoding.ASCII.GetString(await StreamAssert.ReadExactlyAsync(connection.Stream, 2)));
    }

    [Fact]
    public async Task Payload_longer_than_the_answer_buffer_comes_out_whole_and_in_order()
    {
        var payload = StreamAssert.Payload(100);
        var peer = new ScriptedStream([[.. "OK 1073741824\n"u8, .. payload]]);

        var connection = await Handshake(peer);

        Assert.Equal(payload, await StreamAssert.ReadExactlyAsync(connection.Stream, payload.Length));
        Assert.Equal(0, await connection.Stream.ReadAsync(new byte[1]));
    }

    [Fact]
    public async Task A_peer_that_closes_mid_answer_is_a_protocol_violation()
    {
        var error = await Assert.ThrowsAsync<TransportException>(async () => await Handshake(Peer("OK 10")));

        Assert.Equal(TransportFailure.ProtocolViolation, error.Failure);
        Assert.EndsWith("the VMM closed the connection in the middle of its answer \"OK 10\"", error.Message);
    }

    [Fact]
    public async Task A_reset_before_any_answer_means_no_guest_listener()
    {
        var reset = new IOException("reset", new SocketException((int)SocketError.ConnectionReset));
        var peer = new ScriptedStream([], endWith: reset);

        var error = await Assert.ThrowsAsync<TransportException>(async () => await Handshake(peer));

        Assert.Equal(TransportFailure.NoGuestListener, error.Failure);
        Assert.EndsWith("the VMM reset the connection after CONNECT 52: nothing in the guest listens on vsock port 52", error.Message);
        Assert.Same(reset, error.InnerException);
    }

    [Fact]
    public async Task Other_IO_errors_keep_their_cause()
    {
        var broken = new IOException("broken", new SocketException((int)SocketError.NetworkDown));
        var peer = new ScriptedStream([], endWith: broken);

        var error = await Assert.ThrowsAsync<TransportException>(async () => await Handshake(peer));

        Assert.Equal(TransportOperation.Handshake, error.Operation);
        Assert.IsType<SocketException>(error.InnerException);
    }

    private static ScriptedStream Peer(string answer) => new([Encoding.ASCII.GetBytes(answer)]);

    private static ValueTask<HybridVsockConnection> Handshake(Stream peer) =>
        HybridVsockHandshake.ConnectAsync(peer, Address, 52, TimeSpan.FromSeconds(10), CancellationToken.None);
}
