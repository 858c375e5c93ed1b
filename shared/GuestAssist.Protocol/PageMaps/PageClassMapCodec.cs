using GuestAssist.Protocol.Framing;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Protocol.PageMaps;

/// <summary>
/// Compact wire form of class runs: delta + run-length over GFNs (see README in this folder once written).
/// Decoding never trusts the input: corrupt bytes give a <see cref="ProtocolException"/>.
/// </summary>
public static class PageClassMapCodec
{
    /// <summary>Encodes gap-free runs starting at <paramref name="firstGfn"/>.</summary>
    public static byte[] EncodeRuns(ReadOnlySpan<ClassRun> runs, ulong firstGfn) =>
        throw new NotImplementedException();

    /// <summary>Decodes runs produced by <see cref="EncodeRuns"/>, covering at most <paramref name="maxFrames"/> frames.</summary>
    public static ClassRun[] DecodeRuns(ReadOnlySpan<byte> encoded, ulong firstGfn, ulong maxFrames) =>
        throw new NotImplementedException();

    /// <summary>Splits a map into wire chunks of at most <paramref name="maxChunkBytes"/> encoded run bytes each.</summary>
    public static IReadOnlyList<MemoryMapChunk> ToChunks(PageClassMap map, int maxChunkBytes = 256 * 1024) =>
        throw new NotImplementedException();

    /// <summary>Reassembles chunks (in order, same epoch, last one flagged) into a map; typed error on any inconsistency.</summary>
    public static PageClassMap FromChunks(IEnumerable<MemoryMapChunk> chunks) =>
        throw new NotImplementedException();
}
