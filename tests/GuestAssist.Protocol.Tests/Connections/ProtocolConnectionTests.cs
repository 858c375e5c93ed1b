using System.Collections.Concurrent;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using GuestAssist.Protocol.Connections;
using GuestAssist.Protocol.Framing;
using GuestAssist.Protocol.PageMaps;
using GuestAssist.Protocol.Tests.Support;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Protocol.Tests.Connections;

public sealed class ProtocolConnectionTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private SocketPair _pair = null!;

    public async Task InitializeAsync() => _pair = await SocketPair.CreateAsync();

    public async Task DisposeAsync() => await _pair.DisposeAsync();

    private static ProtocolConnection Open(Stream stream, IRequestHandler? handler = null, string name = "test") =>
        new ProtocolConnection(stream, new ProtocolConnectionOptions
        {
            RequestHandler = handler,
            Name = name,
            DefaultRequestTimeout = Patience,
        }).Start();

    private static Envelope Beat(ulong sequence) => new() { Heartbeat = new Heartbeat { Sequence = sequence } };

    /// <summary>Echoes heartbeats; other requests go to <paramref name="other"/>.</summary>
    private static DelegateRequestHandler Echo(Func<IncomingRequest, CancellationToken, ValueTask>? other = null) =>
        new(async (request, ct) =>
        {
            if (request.Kind == Envelope.BodyOneofCase.Heartbeat)
            {
                await request.ReplyAsync(Beat(request.Envelope.Heartbeat.Sequence), ct);
            }
            else if (other is not null)
            {
                await other(request, ct);
            }
            else
            {
                await request.ReplyAckAsync(ct);
            }
        });

    [Fact]
    public async Task Replies_out_of_order_reach_their_own_callers()
    {
        var gates = new ConcurrentDictionary<ulong, TaskCompletionSource>();
        var arrived = new CountdownEvent(3);
        await using var server = Open(_pair.Acceptor, new DelegateRequestHandler(async (request, ct) =>
        {
            var sequence = request.Envelope.Heartbeat.Sequence;
            var gate = gates.GetOrAdd(sequence, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            arrived.Signal();
            await gate.Task.WaitAsync(ct);
            await request.ReplyAsync(Beat(sequence * 100), ct);
        }), "agent");
        await using var client = Open(_pair.Opener, name: "host");
        var calls = new ulong[] { 1, 2, 3 }.ToDictionary(s => s, s => client.RequestAsync(Beat(s)));
        Assert.True(arrived.Wait(Patience));
        foreach (var sequence in new ulong[] { 3, 1, 2 })
        {
            gates[sequence].SetResult();
            var reply = await calls[sequence].WaitAsync(Patience);
            Assert.Equal(sequence * 100, reply.Heartbeat.Sequence);
        }
        Assert.Equal(0, client.PendingRequests);
    }

    [Fact]
    public async Task Hundreds_of_concurrent_requests_are_each_matched()
    {
        await using var server = Open(_pair.Acceptor, Echo());
        await using var client = Open(_pair.Opener);
        var results = await Task.WhenAll(Enumerable.Range(1, 300).Select(i => Task.Run(() => client.RequestAsync(Beat((ulong)i))))).WaitAsync(Patience);
        Assert.Equal(Enumerable.Range(1, 300).Select(i => (ulong)i), results.Select(r => r.Heartbeat.Sequence));
        Assert.Equal(300, results.Select(r => r.ReplyTo).Distinct().Count());
    }

    [Fact]
    public async Task A_request_without_reply_times_out_clearly_and_the_connection_goes_on()
    {
        await using var server = Open(_pair.Acceptor, Echo(async (request, ct) => await Task.Delay(Timeout.Infinite, ct)));
        await using var client = Open(_pair.Opener, name: "host");
        var ex = await Assert.ThrowsAsync<TimeoutException>(() => client.RequestAsync(new Envelope { GetStatus = new() }, TimeSpan.FromMilliseconds(200)));
        Assert.Matches(@"^host: no reply to GetStatus request \d+ within 00:00:00.2", ex.Message);
        Assert.Equal(0, client.PendingRequests);
        Assert.Equal(5UL, (await client.RequestAsync(Beat(5))).Heartbeat.Sequence);
    }

    [Fact]
    public async Task A_cancelled_request_is_forgotten_and_its_late_reply_dropped()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = Open(_pair.Acceptor, Echo(async (request, ct) =>
        {
            await release.Task.WaitAsync(ct);
            await request.ReplyAckAsync(ct);
        }));
        await using var client = Open(_pair.Opener);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(150));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.RequestAsync(new Envelope { GetStatus = new() }, null, cts.Token));
        Assert.Equal(0, client.PendingRequests);
        release.SetResult();
        Assert.Equal(9UL, (await client.RequestAsync(Beat(9))).Heartbeat.Sequence);
        await WaitUntil(() => client.DroppedReplies == 1);
    }

    [Fact]
    public async Task Peer_eof_fails_every_pending_call_and_later_calls()
    {
        using var peer = new RawPeer(_pair.Acceptor);
        await using var client = Open(_pair.Opener, name: "host");
        var calls = Enumerable.Range(1, 3).Select(i => client.RequestAsync(Beat((ulong)i))).ToList();
        for (var i = 0; i < 3; i++)
        {
            await peer.ReadFrameAsync();
        }
        peer.Close();
        foreach (var call in calls)
        {
            var ex = await Assert.ThrowsAsync<ProtocolConnectionClosedException>(() => call.WaitAsync(Patience));
            Assert.Matches(@"^host: Heartbeat request \d failed: host: the peer closed the connection$", ex.Message);
        }
        await client.Completion.WaitAsync(Patience);
        Assert.True(client.IsClosed);
        await Assert.ThrowsAsync<ProtocolConnectionClosedException>(() => client.RequestAsync(Beat(4)));
    }

    [Fact]
    public async Task A_malformed_frame_gets_an_error_and_the_server_keeps_serving()
    {
        await using var server = Open(_pair.Acceptor, Echo(), "agent");
        using var peer = new RawPeer(_pair.Opener);
        await peer.SendRawAsync([3, 0, 0, 0, 0xFF, 0xFF, 0xFF]);
        var error = await peer.ReadFrameAsync();
        Assert.Equal((0UL, 0UL), (error.Id, error.ReplyTo));
        Assert.Equal(ErrorCode.MalformedFrame, error.Error.Code);
        await peer.SendAsync(new Envelope { Id = 7, Heartbeat = new Heartbeat { Sequence = 70 } });
        var reply = await peer.ReadFrameAsync();
        Assert.Equal((7UL, 70UL), (reply.ReplyTo, reply.Heartbeat.Sequence));
        Assert.Equal(1, server.MalformedFrames);
        Assert.False(server.IsClosed);
    }

    [Fact]
    public async Task An_oversized_frame_gets_an_error_then_the_connection_closes()
    {
        await using var server = Open(_pair.Acceptor, Echo(), "agent");
        using var peer = new RawPeer(_pair.Opener);
        await peer.SendRawAsync([0xFF, 0xFF, 0xFF, 0x7F, 1, 2, 3]);
        var error = await peer.ReadFrameAsync();
        Assert.Equal(ErrorCode.FrameTooLarge, error.Error.Code);
        Assert.Contains("2147483647", error.Error.Message);
        Assert.Null(await peer.ReadAsync());
        await server.Completion.WaitAsync(Patience);
        Assert.Equal(ErrorCode.FrameTooLarge, Assert.IsType<ProtocolException>(server.CloseReason).Code);
    }

    [Fact]
    public async Task Broken_framing_from_the_peer_fails_pending_calls_with_the_cause()
    {
        using var peer = new RawPeer(_pair.Acceptor);
        await using var client = Open(_pair.Opener, name: "host");
        var call = client.RequestAsync(new Envelope { GetStatus = new() });
        await peer.ReadFrameAsync();
        await peer.SendRawAsync([0, 0, 0, 0x10]);
        var ex = await Assert.ThrowsAsync<ProtocolConnectionClosedException>(() => call.WaitAsync(Patience));
        Assert.Equal(ErrorCode.FrameTooLarge, Assert.IsType<ProtocolException>(ex.InnerException).Code);
        Assert.Contains("frame announces 268435456 bytes", ex.Message);
    }

    [Fact]
    public async Task Handler_exceptions_become_typed_error_replies_and_the_server_keeps_serving()
    {
        await using var server = Open(_pair.Acceptor, Echo((request, _) => request.Kind switch
        {
            Envelope.BodyOneofCase.GetStatus => throw new ArgumentException("pid -1 is not a process"),
            Envelope.BodyOneofCase.ReleaseThrottle => throw new ProtocolException(ErrorCode.Busy, "a release is running"),
            Envelope.BodyOneofCase.EndEviction => throw new InvalidOperationException("boom", new IOException("disk gone")),
            _ => ValueTask.CompletedTask, // returns without replying
        }), "agent");
        await using var client = Open(_pair.Opener, name: "host");

        var invalid = await Assert.ThrowsAsync<RemoteErrorException>(() => client.RequestAsync(new Envelope { GetStatus = new() }));
        Assert.Equal(ErrorCode.InvalidArgument, invalid.Code);
        Assert.Equal("pid -1 is not a process", invalid.RemoteMessage);
        Assert.Equal("System.ArgumentException", invalid.Detail);
        Assert.Matches(@"^peer rejected GetStatus request \d+: InvalidArgument: pid -1 is not a process \(System.ArgumentException\)$", invalid.Message);

        Assert.Equal(ErrorCode.Busy, (await Assert.ThrowsAsync<RemoteErrorException>(() => client.RequestAsync(new Envelope { ReleaseThrottle = new() }))).Code);
        var internalError = await Assert.ThrowsAsync<RemoteErrorException>(() => client.RequestAsync(new Envelope { EndEviction = new() }));
        Assert.Equal((ErrorCode.Internal, "boom: disk gone"), (internalError.Code, internalError.RemoteMessage));
        var silent = await Assert.ThrowsAsync<RemoteErrorException>(() => client.RequestAsync(new Envelope { GetMemoryMap = new() }));
        Assert.Contains("returned without replying", silent.RemoteMessage);

        Assert.Equal(3UL, (await client.RequestAsync(Beat(3))).Heartbeat.Sequence);
    }

    [Fact]
    public async Task An_unknown_message_kind_gets_UNKNOWN_MESSAGE_and_the_server_keeps_serving()
    {
        await using var server = Open(_pair.Acceptor, Echo());
        using var peer = new RawPeer(_pair.Opener);
        // id = 5, then field 99 (a body kind from a newer peer) = varint 1.
        await peer.SendRawAsync([5, 0, 0, 0, 0x08, 0x05, 0x98, 0x06, 0x01]);
        var reply = await peer.ReadFrameAsync();
        Assert.Equal((5UL, ErrorCode.UnknownMessage), (reply.ReplyTo, reply.Error.Code));
        await peer.SendAsync(new Envelope { Id = 6, Heartbeat = new Heartbeat { Sequence = 1 } });
        Assert.Equal(6UL, (await peer.ReadFrameAsync()).ReplyTo);
    }

    [Fact]
    public async Task A_side_without_a_handler_answers_UNSUPPORTED()
    {
        await using var client = Open(_pair.Opener, name: "host");
        using var peer = new RawPeer(_pair.Acceptor);
        await peer.SendAsync(new Envelope { Id = 1, GetStatus = new() });
        var reply = await peer.ReadFrameAsync();
        Assert.Equal((1UL, ErrorCode.Unsupported), (reply.ReplyTo, reply.Error.Code));
    }

    [Fact]
    public async Task Streamed_replies_arrive_in_order_until_the_last_chunk()
    {
        var map = RealisticMaps.Create(guestGiB: 2, populatedFraction: 0.5, seed: 3);
        var chunks = PageClassMapCodec.ToChunks(map, 4096);
        await using var server = Open(_pair.Acceptor, Echo(async (request, ct) =>
        {
            foreach (var chunk in chunks)
            {
                await request.ReplyAsync(new Envelope { MemoryMapChunk = chunk }, ct);
            }
        }));
        await using var client = Open(_pair.Opener);
        var request = new Envelope { GetMemoryMap = new GetMemoryMap { IncludeHeat = true } };

        var received = new List<MemoryMapChunk>();
        await foreach (var reply in client.RequestStreamAsync(request))
        {
            received.Add(reply.MemoryMapChunk);
        }
        Assert.Equal(chunks, received);
        Assert.Equal(map.Runs.ToArray(), PageClassMapCodec.FromChunks(received).Runs.ToArray());

        var observed = await client.ObserveRequest(request).ToList().ToTask().WaitAsync(Patience);
        Assert.Equal(chunks, observed.Select(e => e.MemoryMapChunk));
        Assert.Equal(0, client.PendingRequests);
    }

    [Fact]
    public async Task An_error_mid_stream_ends_the_stream_with_the_remote_error()
    {
        await using var server = Open(_pair.Acceptor, Echo(async (request, ct) =>
        {
            await request.ReplyAsync(new Envelope { MemoryMapChunk = new MemoryMapChunk { ChunkIndex = 0 } }, ct);
            await request.ReplyAsync(new Envelope { MemoryMapChunk = new MemoryMapChunk { ChunkIndex = 1 } }, ct);
            throw new UnauthorizedAccessException("/proc/kpageflags: permission denied");
        }));
        await using var client = Open(_pair.Opener);
        var received = 0;
        var ex = await Assert.ThrowsAsync<RemoteErrorException>(async () =>
        {
            await foreach (var _ in client.RequestStreamAsync(new Envelope { GetMemoryMap = new() }))
            {
                received++;
            }
        });
        Assert.Equal(2, received);
        Assert.Equal(ErrorCode.PermissionDenied, ex.Code);
    }

    [Fact]
    public async Task A_stalled_stream_times_out_per_item()
    {
        await using var server = Open(_pair.Acceptor, Echo(async (request, ct) =>
        {
            await request.ReplyAsync(new Envelope { MemoryMapChunk = new MemoryMapChunk() }, ct);
            await Task.Delay(Timeout.Infinite, ct);
        }));
        await using var client = Open(_pair.Opener, name: "host");
        var ex = await Assert.ThrowsAsync<TimeoutException>(async () =>
        {
            await foreach (var _ in client.RequestStreamAsync(new Envelope { GetMemoryMap = new() }, TimeSpan.FromMilliseconds(200)))
            {
            }
        });
        Assert.Contains("no reply 2 to GetMemoryMap request", ex.Message);
        Assert.Equal(0, client.PendingRequests);
    }

    [Fact]
    public async Task A_throwing_end_of_stream_predicate_ends_that_call_only()
    {
        await using var server = Open(_pair.Acceptor, Echo(async (request, ct) =>
        {
            await request.ReplyAsync(new Envelope { MemoryMapChunk = new MemoryMapChunk() }, ct);
            await request.ReplyAsync(new Envelope { MemoryMapChunk = new MemoryMapChunk { Last = true } }, ct);
        }));
        await using var client = Open(_pair.Opener);
        await Assert.ThrowsAsync<FormatException>(async () =>
        {
            await foreach (var _ in client.RequestStreamAsync(new Envelope { GetMemoryMap = new() }, isFinal: _ => throw new FormatException("bad predicate")))
            {
            }
        });
        Assert.Equal(4UL, (await client.RequestAsync(Beat(4))).Heartbeat.Sequence);
    }

    [Fact]
    public async Task Pushes_reach_subscribers_and_complete_when_the_connection_ends()
    {
        await using var server = Open(_pair.Acceptor, Echo());
        var client = Open(_pair.Opener);
        var pushes = client.Pushes.Replay();
        using var connect = pushes.Connect();
        await server.SendPushAsync(new Envelope { Heartbeat = new Heartbeat { Sequence = 1 } });
        await server.SendPushAsync(new Envelope { ThrottleStatus = new ThrottleStatus { Active = true } });
        var first = await pushes.Take(2).ToList().ToTask().WaitAsync(Patience);
        Assert.Equal([Envelope.BodyOneofCase.Heartbeat, Envelope.BodyOneofCase.ThrottleStatus], first.Select(e => e.BodyCase));
        Assert.All(first, e => Assert.Equal((0UL, 0UL), (e.Id, e.ReplyTo)));
        await server.DisposeAsync();
        var all = await pushes.ToList().ToTask().WaitAsync(Patience);
        Assert.Equal(2, all.Count);
        await client.DisposeAsync();
    }

    [Fact]
    public async Task Disposing_fails_pending_calls_as_closed_locally()
    {
        await using var server = Open(_pair.Acceptor, Echo(async (request, ct) => await Task.Delay(Timeout.Infinite, ct)));
        var client = Open(_pair.Opener, name: "host");
        var call = client.RequestAsync(new Envelope { GetStatus = new() });
        await WaitUntil(() => client.PendingRequests == 1);
        await client.DisposeAsync();
        var ex = await Assert.ThrowsAsync<ProtocolConnectionClosedException>(() => call.WaitAsync(Patience));
        Assert.Contains("closed locally", ex.Message);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(10);
        }
    }
}
