using GuestAssist.Agent.Serving;
using GuestAssist.Protocol.Handshake;

namespace GuestAssist.Agent.Tests.Serving;

public sealed class AgentRuntimeTests
{
    [Fact]
    public void The_offer_keeps_what_the_probe_found_plus_heartbeat_and_throttling_and_drops_what_the_agent_does_not_do()
    {
        var source = new StubSource([Capabilities.MemoryMapV1, Capabilities.IdleTracking, Capabilities.ThrottleCgroup, Capabilities.DirtyAttributionV1]);
        using var runtime = new AgentRuntime(source, new AgentServingOptions());

        // throttle.cgroup is the agent's to offer (a writable cgroup hierarchy here), never the source's.
        Assert.Equal(
            new[] { Capabilities.Heartbeat, Capabilities.IdleTracking, Capabilities.MemoryMapV1, Capabilities.ThrottleSigstop }
                .Concat(CgroupsHere ? [Capabilities.ThrottleCgroup] : []).Order(StringComparer.Ordinal),
            runtime.Offer.Capabilities);
        Assert.Equal(ProtocolVersions.Supported, runtime.Offer.Versions);
        Assert.Equal(0ul, runtime.LastEpoch.Sequence);
    }

    [Fact]
    public async Task An_unavailable_source_offers_heartbeat_and_throttling_only_and_refuses_maps_as_unsupported()
    {
        var source = new UnavailableMemoryMapSource("not root");
        using var runtime = new AgentRuntime(source, new AgentServingOptions());

        var error = await Assert.ThrowsAsync<NotSupportedException>(() => source.ScanAsync(new MemoryMapRequest(false, false, []), CancellationToken.None).AsTask());

        Assert.Equal(new[] { Capabilities.Heartbeat, Capabilities.ThrottleSigstop }.Concat(CgroupsHere ? [Capabilities.ThrottleCgroup] : []).Order(StringComparer.Ordinal), runtime.Offer.Capabilities);
        Assert.Equal(["not root"], source.Info.Degraded);
        Assert.Contains("not root", error.Message, StringComparison.Ordinal);
    }

    private static bool CgroupsHere => ThrottleActuatorFactory.CgroupsUsable(GuestAssist.Guest.ProcFs.ProcFsPaths.Live);

    private sealed class StubSource(IReadOnlyList<string> capabilities) : IMemoryMapSource
    {
        public MemoryMapSourceInfo Info { get; } = new(capabilities, [], 4096, 1);

        public ValueTask<ScannedMap> ScanAsync(MemoryMapRequest request, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
    }
}
