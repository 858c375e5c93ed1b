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
    private const ulong Low = EvictionRig.Region0 / 4096;
    private const ulong High = EvictionRig.Region1 / 4096;

    private ulong _sequence;

    /// <summary>Frames the map calls free: the upper half of each region.</summary>
    public const ulong FreeFrames = (Low / 2) + (High / 2);

    /// <summary>The free frames as byte ranges of the memory file (the regions concatenated).</summary>
    public static IReadOnlyList<(long Offset, int Length)> FreeFileRanges { get; } =
    [
        ((long)(Low / 2 * 4096), (int)(Low / 2 * 4096)),
        ((long)((Low + (High / 2)) * 4096), (int)(High / 2 * 4096)),
    ];

    public MemoryMapSourceInfo Info { get; } = new([Capabilities.MemoryMapV1, Capabilities.MemoryMapHeat], [], 4096, (EvictionRig.Region0 + EvictionRig.Region1) / 4096);

    public ValueTask<ScannedMap> ScanAsync(MemoryMapRequest request, CancellationToken cancellationToken)
    {
        const ulong low = Low;
        const ulong high = High;
        var gapEnd = totalFrames - high;
        var builder = new PageClassMapBuilder(withHeat: false, withOwners: false);
        builder.Append(low / 4, PageClass.Kernel);
        builder.Append(low / 4, PageClass.Hot);
        builder.Append(low / 2, PageClass.Free);
        builder.Append(gapEnd - low, PageClass.Unbacked);
        builder.Append(high / 2, PageClass.Inactive);
        builder.Append(high / 2, PageClass.Free);
        var map = builder.Build(new MapEpoch { Sequence = ++_sequence, GuestMonotonicNs = 1_000 }, 4096);
        return ValueTask.FromResult(ScannedMap.FromMap(map, HeatMethod.None, request.MaxChunkBytes));
    }
}
