using System.Diagnostics;
using GuestAssist.Host.Agent;
using GuestAssist.Protocol.Connections;
using GuestAssist.Protocol.Framing;
using GuestAssist.Protocol.PageMaps;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Host.Tests.Agent;

/// <summary>The host client against agents that answer right, wrong, late or not at all.</summary>
public sealed class AgentClientTests
{
    private static PageClassMap SampleMap(ulong sequence = 7)
    {
        var builder = new PageClassMapBuilder(withHeat: true);
        for (var i = 0; i < 400; i++)
        {
            builder.Append((ulong)(1 + (i % 3)), (PageClass)(1 + (i % 7)), heat: (byte)i);
        }
        return builder.Build(new MapEpoch { Sequence = sequence, GuestMonotonicNs = 99 }, 4096);
    }

    [Fact]
    public async Task Map_chunks_are_assembled_and_the_request_time_precedes_the_agent_seeing_it()
    {
        var map = SampleMap();
        long seenAt = 0;
        GetMemoryMap? asked = null;
        await using var agent = ScriptedAgent.Create(async (request, token) =>
        {
            seenAt = Stopwatch.GetTimestamp();
            asked = request.Envelope.GetMemoryMap;
            foreach (var chunk in PageClassMapCodec.ToChunks(map, 64))
            {
                chunk.HeatMethod = HeatMethod.IdleTracking;
                await request.ReplyAsync(new Envelope { MemoryMapChunk = chunk }, token);
            }
        });
        await using var client = await agent.ConnectAsync();

        var fetched = await client.GetMemoryMapAsync(includeHeat: true, includeOwners: false, maxChunkBytes: 64, ownerPids: [12]);

        Assert.Equal(map.Runs.ToArray(), fetched.Map.Runs.ToArray());
        Assert.Equal(map.RunHeat, fetched.Map.RunHeat);
        Assert.Equal(HeatMethod.IdleTracking, fetched.HeatMethod);
        Assert.True(fetched.ChunkCount > 5);
        Assert.True(fetched.RequestedAt <= seenAt);
        Assert.True(asked!.IncludeHeat);
        Assert.Equal(64u, asked.MaxChunkBytes);
        Assert.Equal([12], asked.OwnerPids);
    }

    [Fact]
    public async Task Chunks_that_do_not_add_up_are_a_protocol_error()
    {
        var map = SampleMap();
        await using var agent = ScriptedAgent.Create(async (request, token) =>
        {
            var chunks = PageClassMapCodec.ToChunks(map, 64);
            await request.ReplyAsync(new Envelope { MemoryMapChunk = chunks[0] }, token);
            var skipped = chunks[2].Clone();
            await request.ReplyAsync(new Envelope { MemoryMapChunk = skipped }, token);
        });
        await using var client = await agent.ConnectAsync();

        var error = await Assert.ThrowsAsync<ProtocolException>(() => client.GetMemoryMapAsync(false, false));

        Assert.Contains("expected chunk 1, got chunk 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_error_mid_stream_surfaces_as_a_typed_remote_error()
    {
        await using var agent = ScriptedAgent.Create(async (request, token) =>
        {
            var first = PageClassMapCodec.ToChunks(SampleMap(), 64)[0];
            await request.ReplyAsync(new Envelope { MemoryMapChunk = first }, token);
            await request.ReplyErrorAsync(ErrorCode.Internal, "kpageflags read failed", "EIO", token);
        });
        await using var client = await agent.ConnectAsync();

        var error = await Assert.ThrowsAsync<RemoteErrorException>(() => client.GetMemoryMapAsync(false, false));

        Assert.Equal(ErrorCode.Internal, error.Code);
        Assert.Equal("kpageflags read failed", error.RemoteMessage);
        Assert.Equal("EIO", error.Detail);
    }

    [Fact]
    public async Task A_reply_of_the_wrong_kind_is_a_protocol_error()
    {
        await using var agent = ScriptedAgent.Create((request, token) => request.ReplyAckAsync(token));
        await using var client = await agent.ConnectAsync();

        var error = await Assert.ThrowsAsync<ProtocolException>(() => client.GetStatusAsync());

        Assert.Equal(ErrorCode.MalformedFrame, error.Code);
        Assert.Equal("scripted: expected AgentStatus in reply to GetStatus, got Ack", error.Message);
    }

    [Fact]
    public async Task A_heartbeat_echo_with_the_wrong_sequence_is_rejected()
    {
        await using var agent = ScriptedAgent.Create((request, token) =>
            request.ReplyAsync(new Envelope { Heartbeat = new Heartbeat { Sequence = request.Envelope.Heartbeat.Sequence + 1 } }, token));
        await using var client = await agent.ConnectAsync();

        var error = await Assert.ThrowsAsync<ProtocolException>(() => client.HeartbeatAsync());

        Assert.Contains("heartbeat 1 was answered with sequence 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_agent_that_never_answers_hello_times_out()
    {
        await using var agent = ScriptedAgent.Create((_, token) => new ValueTask(Task.Delay(Timeout.Infinite, token)), handlesHello: true);

        var error = await Assert.ThrowsAsync<TimeoutException>(() => agent.ConnectAsync(new AgentClientOptions { RequestTimeout = TimeSpan.FromMilliseconds(200) }));

        Assert.Contains("Hello", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_agent_claiming_capabilities_the_host_never_offered_is_refused()
    {
        await using var agent = ScriptedAgent.Create(async (request, token) =>
        {
            var ack = new HelloAck { Version = 1, Software = "liar" };
            ack.Capabilities.Add("teleport");
            await request.ReplyAsync(new Envelope { HelloAck = ack }, token);
        }, handlesHello: true);

        var error = await Assert.ThrowsAsync<ProtocolException>(() => agent.ConnectAsync());

        Assert.Contains("teleport", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Eviction_calls_carry_their_arguments_and_typed_answers()
    {
        var received = new List<Envelope>();
        await using var agent = ScriptedAgent.Create((request, token) =>
        {
            lock (received)
            {
                received.Add(request.Envelope);
            }
            return request.Kind == Envelope.BodyOneofCase.BeginEviction
                ? request.ReplyAsync(new Envelope { EvictionStarted = new EvictionStarted { SessionId = 5, Epoch = new MapEpoch { Sequence = 2 } } }, token)
                : request.ReplyAsync(new Envelope { EvictionEnded = new EvictionEnded { SessionId = request.Envelope.EndEviction.SessionId } }, token);
        });
        await using var client = await agent.ConnectAsync();

        var started = await client.BeginEvictionAsync(new BeginEviction { Mode = EvictionMode.PostCopy, DirtyBudgetBytesPerSecond = 1 << 20 });
        var ended = await client.EndEvictionAsync(started.SessionId, succeeded: false);

        Assert.Equal(5ul, started.SessionId);
        Assert.Equal(2ul, started.Epoch.Sequence);
        Assert.Equal(5ul, ended.SessionId);
        Assert.Equal(EvictionMode.PostCopy, received[0].BeginEviction.Mode);
        Assert.False(received[1].EndEviction.Succeeded);
    }
}
