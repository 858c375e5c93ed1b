using GuestAssist.Agent.Serving;
using GuestAssist.Protocol.Handshake;

namespace GuestAssist.Agent.Tests.Serving;

public sealed class AgentRuntimeTests
{
    [Fact]
    public void The_offer_keeps_what_the_probe_found_plus_heartbeat_and_sigstop_throttling_and_drops_unimplemented_capabilities()
    {
        var source = new StubSource([Capabilities.MemoryMapV1, Capabilities.IdleTracking, Capabilities.ThrottleCgroup, Capabilities.DirtyAttributionV1]);
        using var runtime = new AgentRuntime(source, new AgentServingOptions());

        Assert.Equal(
            new[] { Capabilities.Heartbeat, Capabilities.IdleTracking, Capabilities.MemoryMapV1, Capabilities.ThrottleSigstop },
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

        Assert.Equal([Capabilities.Heartbeat, Capabilities.ThrottleSigstop], runtime.Offer.Capabilities);
        Assert.Equal(["not root"], source.Info.Degraded);
        Assert.Contains("not root", error.Message, StringComparison.Ordinal);
    }

    private sealed class StubSource(IReadOnlyList<string> capabilities) : IMemoryMapSource
    {
        public MemoryMapSourceInfo Info { get; } = new(capabilities, [], 4096, 1);

        public ValueTask<ScannedMap> ScanAsync(MemoryMapRequest request, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
    }
}
