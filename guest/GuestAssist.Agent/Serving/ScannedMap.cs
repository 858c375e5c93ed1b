using GuestAssist.Protocol.PageMaps;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Agent.Serving;

/// <summary>
/// A finished map as wire chunks (in order, the last one flagged; they belong to the receiver), its epoch, its
/// run count and how its heat was measured (the map itself does not say).
/// </summary>
public sealed record ScannedMap(IReadOnlyList<MemoryMapChunk> Chunks, MapEpoch Epoch, int RunCount, HeatMethod HeatMethod)
{
    /// <summary>A map built as an object (fixtures, small maps) split into chunks.</summary>
    public static ScannedMap FromMap(PageClassMap map, HeatMethod heatMethod, int maxChunkBytes)
    {
        ArgumentNullException.ThrowIfNull(map);
        return new ScannedMap(PageClassMapCodec.ToChunks(map, maxChunkBytes), map.Epoch, map.RunCount, heatMethod);
    }
}
