using GuestAssist.Host.Agent;
using GuestAssist.IntegrationTests.AgentProtocol.Support;
using GuestAssist.Protocol.Connections;
using GuestAssist.Protocol.Handshake;
using GuestAssist.Protocol.PageMaps;
using GuestAssist.Protocol.V1;

namespace GuestAssist.IntegrationTests.AgentProtocol;

/// <summary>The real daemon and the real host client over a Unix socket, with a fixture map source.</summary>
public sealed class AgentOverUnixSocketTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly FixtureMapSource _source = new();
    private RunningAgent _agent = null!;

    public async Task InitializeAsync() =>
        _agent = await RunningAgent.StartOnUnixAsync(_directory, _source, o => o with { DefaultChunkBytes = 4096 });

    public async Task DisposeAsync() => await _agent.DisposeAsync();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Hello_negotiates_v1_and_the_agent_never_offers_what_it_does_not_implement()
    {
        await using var client = await _agent.ConnectAsync();

        Assert.Equal(ProtocolVersions.Current, client.Session.Version);
        Assert.Equal("guestassist-agent/0.1.0", client.Session.PeerSoftware);
        Assert.Equal(
            new[] { Capabilities.Heartbeat, Capabilities.MemoryMapHeat, Capabilities.MemoryMapOwners, Capabilities.MemoryMapV1, Capabilities.ThrottleSigstop }
                .Concat(CgroupThrottling.Offered ? [Capabilities.ThrottleCgroup] : []).Order(StringComparer.Ordinal),
            client.Session.Capabilities.Order(StringComparer.Ordinal));
        // The fixture claims dirty attribution and cgroup throttling; the agent implements neither and must not pass them on.
        Assert.Contains(Capabilities.DirtyAttributionV1, client.Session.MissingThere);
    }

    [Fact]
    public async Task The_first_request_after_hello_is_never_refused_as_before_hello()
    {
        // Requests are handled concurrently; the session must exist before the HelloAck goes out.
        for (var i = 0; i < 40; i++)
        {
            await using var client = await _agent.ConnectAsync();
            var status = await client.GetStatusAsync();
            Assert.Equal(4096u, status.PageSize);
        }
    }

    [Fact]
    public async Task Status_reports_the_sources_facts_and_a_running_guest_clock()
    {
        await using var client = await _agent.ConnectAsync();

        var first = await client.GetStatusAsync();
        var second = await client.GetStatusAsync();

        Assert.Equal(4096u, first.PageSize);
        Assert.Equal(_source.Info.RamFrames, first.RamFrames);
        Assert.Equal(_source.Info.Degraded, first.Degraded);
        Assert.Contains(Capabilities.ThrottleSigstop, first.Capabilities);
        Assert.Equal(CgroupThrottling.Offered, first.Capabilities.Contains(Capabilities.ThrottleCgroup));
        Assert.Contains(Capabilities.Heartbeat, first.Capabilities);
        Assert.True(second.GuestMonotonicNs > first.GuestMonotonicNs);
        Assert.True(second.UptimeNs > first.UptimeNs);
        Assert.Equal(0ul, first.ActiveEvictionSession);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public async Task Map_over_the_wire_equals_the_map_the_source_produced(bool heat, bool owners)
    {
        await using var client = await _agent.ConnectAsync();

        var fetched = await client.GetMemoryMapAsync(heat, owners, ownerPids: owners ? [4242] : null);

        var expected = _source.LastMap!;
        Assert.Equal(expected.Runs.ToArray(), fetched.Map.Runs.ToArray());
        Assert.Equal(expected.Epoch, fetched.Map.Epoch);
        Assert.Equal(expected.TotalFrames, fetched.Map.TotalFrames);
        Assert.Equal(expected.RunHeat, fetched.Map.RunHeat);
        Assert.Equal(expected.RunOwner, fetched.Map.RunOwner);
        Assert.Equal(expected.Owners, fetched.Map.Owners);
        Assert.Equal(heat ? HeatMethod.LruFlags : HeatMethod.None, fetched.HeatMethod);
        Assert.True(fetched.ChunkCount > 1, "the 4 KiB chunk size must split the map");
        Assert.Equal(owners ? new[] { 4242 } : [], _source.LastRequest!.OwnerPids);
    }

    [Fact]
    public async Task The_map_timestamp_is_taken_before_the_request_reaches_the_agent()
    {
        await using var client = await _agent.ConnectAsync();

        var (map, requestedAt) = await client.GetMemoryMapAsync(includeHeat: false, includeOwners: false);

        Assert.True(requestedAt <= _source.LastScanStartedAt, "the dirty log must cover the scan: requestedAt precedes the scan");
        Assert.Equal(_source.LastMap!.Epoch, map.Epoch);
    }

    [Fact]
    public async Task Requested_chunk_size_is_honoured_and_bounded()
    {
        await using var client = await _agent.ConnectAsync();

        var small = await client.GetMemoryMapAsync(false, false, maxChunkBytes: PageClassMapCodec.MinChunkBytes);
        var error = await Assert.ThrowsAsync<RemoteErrorException>(() => client.GetMemoryMapAsync(false, false, maxChunkBytes: 8));

        Assert.True(small.ChunkCount > 100);
        Assert.Equal(ErrorCode.InvalidArgument, error.Code);
        Assert.Contains("max_chunk_bytes 8", error.RemoteMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Heartbeats_are_echoed_with_the_guest_clock()
    {
        await using var client = await _agent.ConnectAsync();

        var one = await client.HeartbeatAsync();
        var two = await client.HeartbeatAsync();

        Assert.Equal(1ul, one.Sequence);
        Assert.Equal(2ul, two.Sequence);
        Assert.True(two.MonotonicNs >= one.MonotonicNs);
    }

    [Fact]
    public async Task Eviction_sessions_are_kept_one_at_a_time_and_end_with_their_connection()
    {
        await using var owner = await _agent.ConnectAsync();
        await using var other = await _agent.ConnectAsync();
        var mapped = await owner.GetMemoryMapAsync(false, false);

        var started = await owner.BeginEvictionAsync(new BeginEviction { Mode = EvictionMode.PostCopy, HeartbeatTimeoutMs = 1000 });
        var busy = await Assert.ThrowsAsync<RemoteErrorException>(() => other.BeginEvictionAsync(new BeginEviction { Mode = EvictionMode.PostCopy }));
        var wrong = await Assert.ThrowsAsync<RemoteErrorException>(() => other.EndEvictionAsync(started.SessionId + 100, succeeded: true));
        var status = await other.GetStatusAsync();

        Assert.NotEqual(0ul, started.SessionId);
        Assert.Equal(mapped.Map.Epoch, started.Epoch);
        Assert.Equal(ErrorCode.Busy, busy.Code);
        Assert.Equal(ErrorCode.NotFound, wrong.Code);
        Assert.Equal(started.SessionId, status.ActiveEvictionSession);

        var ended = await owner.EndEvictionAsync(started.SessionId, succeeded: true);
        Assert.Equal(started.SessionId, ended.SessionId);
        Assert.Equal(0u, ended.ReleasedProcesses);

        // A session whose connection goes away is ended by the agent.
        var again = await other.BeginEvictionAsync(new BeginEviction { Mode = EvictionMode.Hybrid });
        await other.DisposeAsync();
        await using var third = await _agent.ConnectAsync();
        var after = await WaitForAsync(third, s => s.ActiveEvictionSession == 0);
        Assert.True(again.SessionId > started.SessionId);
        Assert.Equal(0ul, after.ActiveEvictionSession);
    }

    [Theory]
    [InlineData("dirty")]
    [InlineData("throttle")]
    [InlineData("release")]
    [InlineData("reply-kind")]
    public async Task Unimplemented_and_misdirected_requests_get_typed_errors_and_the_connection_carries_on(string kind)
    {
        await using var client = await _agent.ConnectAsync();
        var request = kind switch
        {
            "dirty" => new Envelope { DirtyFrames = new DirtyFrames { SessionId = 1 } },
            "throttle" => new Envelope { SetThrottlePolicy = new SetThrottlePolicy { SessionId = 1 } },
            "release" => new Envelope { ReleaseThrottle = new ReleaseThrottle { SessionId = 1 } },
            _ => new Envelope { AgentStatus = new AgentStatus() },
        };

        var error = await Assert.ThrowsAsync<RemoteErrorException>(() => client.Connection.RequestAsync(request));
        var status = await client.GetStatusAsync();

        // Throttle and dirty-log requests need an eviction session of this connection: without one they are NotFound.
        Assert.Equal(kind == "reply-kind" ? ErrorCode.UnknownMessage : ErrorCode.NotFound, error.Code);
        Assert.Equal(4096u, status.PageSize);
    }

    [Fact]
    public async Task A_second_hello_on_the_same_connection_is_refused()
    {
        await using var client = await _agent.ConnectAsync();

        var error = await Assert.ThrowsAsync<RemoteErrorException>(() =>
            client.Connection.RequestAsync(new Envelope { Hello = HandshakeNegotiator.CreateHello(HandshakeOffer.Default("again")) }));

        Assert.Equal(ErrorCode.InvalidArgument, error.Code);
    }

    [Fact]
    public async Task A_host_that_does_not_offer_memory_maps_is_refused_a_map()
    {
        var options = new AgentClientOptions { Offer = new HandshakeOffer(ProtocolVersions.Supported, [Capabilities.Heartbeat], "minimal-host") };
        await using var client = await _agent.ConnectAsync(options);

        var error = await Assert.ThrowsAsync<RemoteErrorException>(() => client.GetMemoryMapAsync(false, false));

        Assert.Equal(ErrorCode.Unsupported, error.Code);
        Assert.Contains(Capabilities.MemoryMapV1, error.RemoteMessage, StringComparison.Ordinal);
        Assert.Equal(0, _source.Scans);
    }

    private static async Task<AgentStatus> WaitForAsync(AgentClient client, Func<AgentStatus, bool> condition)
    {
        for (var attempt = 0; ; attempt++)
        {
            var status = await client.GetStatusAsync();
            if (condition(status) || attempt == 100)
            {
                return status;
            }
            await Task.Delay(50);
        }
    }
}
