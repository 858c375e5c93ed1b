using GuestAssist.Protocol.Connections;
using GuestAssist.Protocol.Framing;
using GuestAssist.Protocol.Tests.Support;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Protocol.Tests.Connections;

/// <summary>Requests the serving side must not drop or reorder: id 0, and requests pipelined behind Hello.</summary>
public sealed class RequestOrderingTests : IAsyncLifetime
{
    private SocketPair _pair = null!;

    public async Task InitializeAsync() => _pair = await SocketPair.CreateAsync();

    public async Task DisposeAsync() => await _pair.DisposeAsync();

    [Fact]
    public async Task A_request_with_id_0_is_answered_with_an_error_not_dropped()
    {
        var handled = 0;
        await using var server = new ProtocolConnection(_pair.Acceptor, new ProtocolConnectionOptions
        {
            RequestHandler = new DelegateRequestHandler((request, ct) =>
            {
                Interlocked.Increment(ref handled);
                return request.ReplyAckAsync(ct);
            }),
        }).Start();
        using var peer = new RawPeer(_pair.Opener);

        await peer.SendAsync(new Envelope { Id = 0, GetStatus = new GetStatus() });
        var reply = await peer.ReadFrameAsync();

        Assert.Equal(Envelope.BodyOneofCase.Error, reply.BodyCase);
        Assert.Equal(ErrorCode.InvalidArgument, reply.Error.Code);
        Assert.Equal("GetStatus request with id 0: requests need a non-zero id (0 marks a push)", reply.Error.Message);
        Assert.Equal(0, handled);
    }

    [Fact]
    public async Task Requests_pipelined_behind_hello_in_one_write_run_after_hellos_handler_has_finished()
    {
        var helloDone = false;
        var sawHelloDone = new TaskCompletionSource<bool>();
        await using var server = new ProtocolConnection(_pair.Acceptor, new ProtocolConnectionOptions
        {
            RequestHandler = new DelegateRequestHandler(async (request, ct) =>
            {
                if (request.Kind == Envelope.BodyOneofCase.Hello)
                {
                    await Task.Delay(200, ct);
                    Volatile.Write(ref helloDone, true);
                    await request.ReplyAsync(new Envelope { HelloAck = new HelloAck { Version = 1 } }, ct);
                    return;
                }
                sawHelloDone.TrySetResult(Volatile.Read(ref helloDone));
                await request.ReplyAckAsync(ct);
            }),
        }).Start();
        using var peer = new RawPeer(_pair.Opener);

        await peer.SendRawAsync([
            .. FrameCodec.Encode(new Envelope { Id = 1, Hello = new Hello { MinVersion = 1, MaxVersion = 1 } }),
            .. FrameCodec.Encode(new Envelope { Id = 2, GetStatus = new GetStatus() }),
        ]);
        var first = await peer.ReadFrameAsync();
        var second = await peer.ReadFrameAsync();

        Assert.True(await sawHelloDone.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal((1UL, Envelope.BodyOneofCase.HelloAck), (first.ReplyTo, first.BodyCase));
        Assert.Equal((2UL, Envelope.BodyOneofCase.Ack), (second.ReplyTo, second.BodyCase));
    }
}
