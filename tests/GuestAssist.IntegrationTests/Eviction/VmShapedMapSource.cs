using GuestAssist.Agent.Serving;
using GuestAssist.Protocol.Handshake;
using GuestAssist.Protocol.PageMaps;
using GuestAssist.Protocol.V1;

namespace GuestAssist.IntegrationTests.Eviction;

/// <summary>
/// A map shaped like the rig's VM (16 MiB at GPA 0, the gap up to 4 GiB unbacked, 8 MiB from 4 GiB), as the agent
/// inside that VM would report it: kernel and hot first, then free; inactive and free above the gap.
/// </summary>
internal sealed class VmShapedMapSource(ulong totalFrames) : IMemoryMapSource
{
    private ulong _sequence;

    public MemoryMapSourceInfo Info { get; } = new([Capabilities.MemoryMapV1, Capabilities.MemoryMapHeat], [], 4096, (EvictionRig.Region0 + EvictionRig.Region1) / 4096);

    public ValueTask<ScannedMap> ScanAsync(MemoryMapRequest request, CancellationToken cancellationToken)
    {
        const ulong low = EvictionRig.Region0 / 4096;
        const ulong high = EvictionRig.Region1 / 4096;
        var gapEnd = totalFrames - high;
        var builder = new PageClassMapBuilder(withHeat: false, withOwners: false);
        builder.Append(low / 4, PageClass.Kernel);
        builder.Append(low / 4, PageClass.Hot);
        builder.Append(low / 2, PageClass.Free);
        builder.Append(gapEnd - low, PageClass.Unbacked);
        builder.Append(high / 2, PageClass.Inactive);
        builder.Append(high / 2, PageClass.Free);
        var map = builder.Build(new MapEpoch { Sequence = ++_sequence, GuestMonotonicNs = 1_000 }, 4096);
        return ValueTask.FromResult(new ScannedMap(map, HeatMethod.None));
    }
}
