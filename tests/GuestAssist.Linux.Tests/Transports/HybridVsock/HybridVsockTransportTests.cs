using System.Net.Sockets;
using System.Text;
using GuestAssist.Linux.Transports;
using GuestAssist.Linux.Transports.HybridVsock;

namespace GuestAssist.Linux.Tests.Transports.HybridVsock;

/// <summary>Host-to-guest hybrid vsock against a Firecracker-like muxer double.</summary>
public sealed class HybridVsockTransportTests : IDisposable
{
    private const uint GuestPort = 52;

    private readonly TempDirectory temp = new();

    private string UdsPath => temp.PathOf("v.sock");

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task Connects_through_the_muxer_and_carries_bytes_both_ways()
    {
        using var guest = new EchoGuest(GuestSocket(GuestPort));
        using var muxer = Muxer();
        var transport = Transport(GuestPort);

        var first = await transport.ConnectWithHostPortAsync(CancellationToken.None);
        await using var stream = first.Stream;
        var payload = StreamAssert.Payload(200_000);
        var echo = StreamAssert.ReadExactlyAsync(stream, payload.Length);
        await stream.WriteAsync(payload);

        Assert.Equal(payload, await echo);
        Assert.Equal(FirecrackerMuxerDouble.FirstHostPort, first.HostPort);
        Assert.Equal($"CONNECT {GuestPort}", Assert.Single(muxer.CommandLines));

        var second = await transport.ConnectWithHostPortAsync(CancellationToken.None);
        await using var secondStream = second.Stream;
        Assert.Equal(FirecrackerMuxerDouble.FirstHostPort + 1, second.HostPort);
    }

    [Fact]
    public async Task Bytes_that_follow_the_OK_line_in_the_same_write_are_not_lost()
    {
        const string Greeting = "hello from the guest"; // 14-byte OK line + 20 bytes: splits across the 32-byte answer buffer
        using var guest = new EchoGuest(GuestSocket(GuestPort), Greeting);
        using var muxer = Muxer(coalesceGuestGreeting: true);

        await using var stream = await Transport(GuestPort).ConnectAsync(CancellationToken.None);

        Assert.Equal(Greeting, Encoding.ASCII.GetString(await StreamAssert.ReadExactlyAsync(stream, Greeting.Length)));
        await StreamAssert.SendsAsync(stream, stream, StreamAssert.Payload(1000));
    }

    [Fact]
    public async Task No_guest_listener_is_a_clear_error()
    {
        using var muxer = Muxer();

        var error = await Assert.ThrowsAsync<TransportException>(async () =>
            await Transport(53).ConnectAsync(CancellationToken.None));

        Assert.Equal(TransportFailure.NoGuestListener, error.Failure);
        Assert.Equal(TransportOperation.Handshake, error.Operation);
        Assert.Equal(
            $"handshake hybrid:{UdsPath}:53 failed: the VMM closed the connection after CONNECT 53: nothing in the guest listens on vsock port 53",
            error.Message);
    }

    [Fact]
    public async Task A_garbage_answer_is_a_protocol_violation_that_shows_the_answer()
    {
        using var muxer = Muxer(MuxerBehaviour.AnswersGarbage, garbage: "HELLO THERE\n");

        var error = await Assert.ThrowsAsync<TransportException>(async () =>
            await Transport(GuestPort).ConnectAsync(CancellationToken.None));

        Assert.Equal(TransportFailure.ProtocolViolation, error.Failure);
        Assert.Equal(
            $"handshake hybrid:{UdsPath}:52 failed: expected \"OK <host port>\" in answer to CONNECT 52, got \"HELLO THERE\"",
            error.Message);
    }

    [Theory]
    [InlineData("OK\n", "got \"OK\"")]
    [InlineData("OK -1\n", "got \"OK -1\"")]
    [InlineData("OK 99999999999\n", "got \"OK 99999999999\"")]
    [InlineData("ok 1073741824\n", "got \"ok 1073741824\"")]
    [InlineData("\u0001\u00ff\n", "got \"\\x01\\xFF\"")]
    public async Task Malformed_OK_lines_are_protocol_violations(string answer, string shown)
    {
        using var muxer = Muxer(MuxerBehaviour.AnswersGarbage, garbage: answer);

        var error = await Assert.ThrowsAsync<TransportException>(async () =>
            await Transport(GuestPort).ConnectAsync(CancellationToken.None));

        Assert.Equal(TransportFailure.ProtocolViolation, error.Failure);
        Assert.EndsWith(shown, error.Message);
    }

    [Fact]
    public async Task An_answer_without_a_line_end_is_cut_off_at_32_bytes()
    {
        using var muxer = Muxer(MuxerBehaviour.AnswersGarbage, garbage: new string('x', 40));

        var error = await Assert.ThrowsAsync<TransportException>(async () =>
            await Transport(GuestPort).ConnectAsync(CancellationToken.None));

        Assert.Equal(TransportFailure.ProtocolViolation, error.Failure);
        Assert.EndsWith($"the answer to CONNECT 52 has no line end within 32 bytes: \"{new string('x', 32)}\"", error.Message);
    }

    [Fact]
    public async Task A_muxer_that_never_answers_times_out()
    {
        using var muxer = Muxer(MuxerBehaviour.NeverAnswers);
        var options = new TransportOptions { HandshakeTimeout = TimeSpan.FromMilliseconds(300) };

        var error = await Assert.ThrowsAsync<TransportException>(async () =>
            await Transport(GuestPort, options).ConnectAsync(CancellationToken.None));

        Assert.Equal(TransportFailure.Timeout, error.Failure);
        Assert.Equal($"handshake hybrid:{UdsPath}:52 failed: the VMM did not answer CONNECT 52 within 300 ms", error.Message);
    }

    [Fact]
    public async Task Caller_cancellation_is_a_cancellation_not_a_timeout()
    {
        using var muxer = Muxer(MuxerBehaviour.NeverAnswers);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            await Transport(GuestPort).ConnectAsync(cancel.Token));
    }

    [Fact]
    public async Task A_missing_VMM_socket_says_so()
    {
        var error = await Assert.ThrowsAsync<TransportException>(async () =>
            await Transport(GuestPort).ConnectAsync(CancellationToken.None));

        Assert.Equal(TransportFailure.NotFound, error.Failure);
        Assert.Equal($"connect hybrid:{UdsPath}:52 failed: connecting to the VMM's vsock socket {UdsPath}: {UdsPath}: ENOENT (No such file or directory)", error.Message);
    }

    [Fact]
    public void Hybrid_cannot_listen()
    {
        var error = Assert.Throws<TransportException>(() => Transport(GuestPort).Listen());

        Assert.Equal(TransportFailure.NotSupported, error.Failure);
        Assert.Contains($"use hybrid-listen:{UdsPath}:52", error.Message);
    }

    [Fact]
    public async Task The_double_forwards_bytes_sent_right_after_the_CONNECT_line()
    {
        using var guest = new EchoGuest(GuestSocket(GuestPort));
        using var muxer = Muxer();
        using var raw = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await raw.ConnectAsync(new UnixDomainSocketEndPoint(UdsPath));

        await raw.SendAsync(Encoding.ASCII.GetBytes("connect 52\nearly"));

        await using var stream = new NetworkStream(raw);
        var expected = $"OK {FirecrackerMuxerDouble.FirstHostPort}\nearly";
        Assert.Equal(expected, Encoding.ASCII.GetString(await StreamAssert.ReadExactlyAsync(stream, expected.Length)));
    }

    private FirecrackerMuxerDouble Muxer(MuxerBehaviour behaviour = MuxerBehaviour.Faithful, string garbage = "HELLO THERE\n", bool coalesceGuestGreeting = false) =>
        new(UdsPath, GuestSocket, behaviour, garbage, coalesceGuestGreeting);

    private string GuestSocket(uint port) => temp.PathOf($"guest_{port}");

    private HybridVsockTransport Transport(uint port, TransportOptions? options = null) =>
        Assert.IsType<HybridVsockTransport>(TransportEndpoint.Create($"hybrid:{UdsPath}:{port}", options));
}
