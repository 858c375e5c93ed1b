using System.Runtime.InteropServices;
using Google.Protobuf;
using GuestAssist.Protocol.Framing;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Protocol.PageMaps;

/// <summary>
/// Compact wire form of class runs. Runs are gap-free, so a run's start is implied by the previous
/// run's end (the delta is always zero and is not stored): the encoding is one format byte, then
/// per run one unsigned LEB128 varint of <c>(length &lt;&lt; bits) | class</c>: format 1 has 3 class bits
/// (classes up to UNBACKED), format 2 has 4 (UNPROVEN and later). The encoder writes format 1 whenever every
/// class fits it, so older readers still read maps without UNPROVEN frames. Runs of up to 15 frames
/// take 1 byte, up to 2047 frames 2 bytes, so a fragmented 64 GiB guest (a few hundred thousand
/// buddy-order runs) encodes in well under 1 MiB. Decoding never trusts the input: a corrupt byte
/// string gives a <see cref="ProtocolException"/>, and no allocation exceeds what the input can describe.
/// The run codec itself is class-agnostic (dirty-frame runs use it too); a class map additionally rejects
/// UNSPECIFIED and undefined class values when chunks are assembled.
/// </summary>
internal static class PageClassMapCodec
{
    public const byte FormatV1 = 1;

    public const byte FormatV2 = 2;

    /// <summary>Smallest chunk budget: the format byte plus one maximal varint plus a heat byte and an owner varint.</summary>
    public const int MinChunkBytes = 32;

    /// <summary>2^52 frames of 4 KiB is the whole 64-bit physical address space; more is corruption.</summary>
    public const ulong MaxTotalFrames = 1UL << 52;

    private const int ClassBitsV1 = 3;
    private const int ClassBitsV2 = 4;

    /// <summary>Highest class value format 2 can carry.</summary>
    public const int MaxClassValue = (1 << ClassBitsV2) - 1;

    /// <summary>Encodes gap-free runs starting at <paramref name="firstGfn"/>.</summary>
    public static byte[] EncodeRuns(ReadOnlySpan<ClassRun> runs, ulong firstGfn)
    {
        var bits = ClassBitsFor(runs);
        var size = 1 + EncodedSize(runs, firstGfn, bits);
        var encoded = new byte[size];
        encoded[0] = bits == ClassBitsV1 ? FormatV1 : FormatV2;
        var offset = 1;
        foreach (var run in runs)
        {
            offset += Varint.Write(encoded.AsSpan(offset), RunWord(run, bits));
        }
        return encoded;
    }

    /// <summary>Decodes runs produced by <see cref="EncodeRuns"/>, covering at most <paramref name="maxFrames"/> frames.</summary>
    public static ClassRun[] DecodeRuns(ReadOnlySpan<byte> encoded, ulong firstGfn, ulong maxFrames)
    {
        var runs = new ClassRun[Validate(encoded, firstGfn, maxFrames, out _)];
        DecodeValidated(encoded, firstGfn, runs);
        return runs;
    }

    /// <summary>As <see cref="DecodeRuns"/>, appending to <paramref name="destination"/>; returns the runs added.</summary>
    public static int DecodeRunsInto(ReadOnlySpan<byte> encoded, ulong firstGfn, ulong maxFrames, List<ClassRun> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var count = Validate(encoded, firstGfn, maxFrames, out _);
        var start = destination.Count;
        CollectionsMarshal.SetCount(destination, start + count);
        DecodeValidated(encoded, firstGfn, CollectionsMarshal.AsSpan(destination)[start..]);
        return count;
    }

    /// <summary>Frames covered by <paramref name="encoded"/>, validating it as <see cref="DecodeRuns"/> does, without allocating.</summary>
    public static ulong CountFrames(ReadOnlySpan<byte> encoded, ulong firstGfn, ulong maxFrames)
    {
        Validate(encoded, firstGfn, maxFrames, out var frames);
        return frames;
    }

    /// <summary>
    /// Splits a map into wire chunks whose per-run bytes (encoded runs plus heat and owner entries) stay
    /// within <paramref name="maxChunkBytes"/>. The owner table travels in the first chunk.
    /// </summary>
    public static IReadOnlyList<MemoryMapChunk> ToChunks(PageClassMap map, int maxChunkBytes = 256 * 1024)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxChunkBytes, MinChunkBytes);
        var runs = map.Runs;
        var chunks = new List<MemoryMapChunk>();
        var start = 0;
        do
        {
            var budget = maxChunkBytes - 1;
            var end = start;
            // Costs are counted in the wider format: a chunk that needs it still fits its budget.
            while (end < runs.Length)
            {
                var cost = Varint.SizeOf(RunWord(runs[end], ClassBitsV2))
                    + (map.RunHeat is null ? 0 : 1)
                    + (map.RunOwner is null ? 0 : Varint.SizeOf(map.RunOwner[end]));
                if (cost > budget)
                {
                    break;
                }
                budget -= cost;
                end++;
            }
            var firstGfn = start < runs.Length ? runs[start].StartGfn : map.TotalFrames;
            var chunk = new MemoryMapChunk
            {
                Epoch = map.Epoch.Clone(),
                PageSize = map.PageSize,
                TotalFrames = map.TotalFrames,
                ChunkIndex = (uint)chunks.Count,
                Last = end == runs.Length,
                FirstGfn = firstGfn,
                EncodedRuns = UnsafeByteOperations.UnsafeWrap(EncodeRuns(runs[start..end], firstGfn)),
            };
            if (map.RunHeat is not null)
            {
                chunk.RunHeat = ByteString.CopyFrom(map.RunHeat, start, end - start);
            }
            if (map.RunOwner is not null)
            {
                chunk.RunOwner.AddRange(new ArraySegment<uint>(map.RunOwner, start, end - start));
            }
            if (chunks.Count == 0)
            {
                chunk.Owners.AddRange(map.Owners);
            }
            chunks.Add(chunk);
            start = end;
        }
        while (start < runs.Length);
        return chunks;
    }

    /// <summary>Reassembles chunks (in order, same epoch, last one flagged) into a map; typed error on any inconsistency.</summary>
    public static PageClassMap FromChunks(IEnumerable<MemoryMapChunk> chunks)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        var all = chunks as IReadOnlyList<MemoryMapChunk> ?? [.. chunks];
        // Sizing the run array up front saves the copies of a growing one: tens of MB for a big guest.
        long expectedRuns = 0;
        foreach (var chunk in all)
        {
            expectedRuns += chunk is null ? 0 : CountRunsUpperBound(chunk.EncodedRuns.Span);
        }
        var assembler = new PageClassMapAssembler((int)Math.Min(expectedRuns, Array.MaxLength));
        foreach (var chunk in all)
        {
            assembler.Add(chunk);
        }
        return assembler.Build();
    }

    /// <summary>Runs in <paramref name="encoded"/> if it is valid (every varint ends in one byte below 0x80); never more than its length.</summary>
    public static int CountRunsUpperBound(ReadOnlySpan<byte> encoded)
    {
        if (encoded.Length <= 1)
        {
            return 0;
        }
        var terminal = 0;
        foreach (var b in encoded[1..])
        {
            terminal += (b >> 7) ^ 1;
        }
        return terminal;
    }

    internal static void DecodeValidated(ReadOnlySpan<byte> encoded, ulong gfn, Span<ClassRun> runs)
    {
        var bits = encoded[0] == FormatV1 ? ClassBitsV1 : ClassBitsV2;
        var classMask = (1UL << bits) - 1;
        var offset = 1;
        for (var i = 0; i < runs.Length; i++)
        {
            offset += Varint.TryRead(encoded[offset..], out var word);
            var length = word >> bits;
            runs[i] = new ClassRun(gfn, length, (PageClass)(int)(word & classMask));
            gfn += length;
        }
    }

    internal static ulong RunWord(ClassRun run, int bits) => (run.Length << bits) | (ulong)(uint)run.Class;

    private static int ClassBitsFor(ReadOnlySpan<ClassRun> runs)
    {
        foreach (var run in runs)
        {
            if ((uint)run.Class >= 1u << ClassBitsV1)
            {
                return ClassBitsV2;
            }
        }
        return ClassBitsV1;
    }

    private static int EncodedSize(ReadOnlySpan<ClassRun> runs, ulong firstGfn, int bits)
    {
        var maxRunLength = ulong.MaxValue >> bits;
        var size = 0;
        var gfn = firstGfn;
        for (var i = 0; i < runs.Length; i++)
        {
            var run = runs[i];
            if (run.StartGfn != gfn)
            {
                throw new ArgumentException($"runs must be gap-free from GFN {firstGfn}: run {i} starts at {run.StartGfn}, expected {gfn}", nameof(runs));
            }
            if (run.Length == 0 || run.Length > maxRunLength)
            {
                throw new ArgumentException($"run {i} has length {run.Length}; must be 1..{maxRunLength}", nameof(runs));
            }
            if ((uint)run.Class > MaxClassValue)
            {
                throw new ArgumentException($"run {i} has class {run.Class}, which does not fit the format", nameof(runs));
            }
            if (run.Length > ulong.MaxValue - gfn)
            {
                throw new ArgumentException($"run {i} runs past the end of the GFN space", nameof(runs));
            }
            gfn += run.Length;
            size += Varint.SizeOf(RunWord(run, bits));
        }
        return size;
    }

    /// <summary>Checks every byte; returns the run count and the frames covered.</summary>
    internal static int Validate(ReadOnlySpan<byte> encoded, ulong firstGfn, ulong maxFrames, out ulong frames)
    {
        if (encoded.IsEmpty)
        {
            throw Corrupt("encoded runs are empty (no format byte)");
        }
        if (encoded[0] is not (FormatV1 or FormatV2))
        {
            throw new ProtocolException(ErrorCode.Unsupported, $"encoded runs use format {encoded[0]}; this side reads formats {FormatV1} and {FormatV2}");
        }
        var bits = encoded[0] == FormatV1 ? ClassBitsV1 : ClassBitsV2;
        var limit = Math.Min(maxFrames, ulong.MaxValue - firstGfn);
        frames = 0;
        var count = 0;
        var offset = 1;
        while (offset < encoded.Length)
        {
            var read = Varint.TryRead(encoded[offset..], out var word);
            if (read == 0)
            {
                throw Corrupt($"run {count} at byte {offset} is truncated");
            }
            if (read < 0)
            {
                throw Corrupt($"run {count} at byte {offset} overflows 64 bits");
            }
            var length = word >> bits;
            if (length == 0)
            {
                throw Corrupt($"run {count} at byte {offset} has length 0");
            }
            if (length > limit - frames)
            {
                throw Corrupt($"run {count} at byte {offset} (GFN {firstGfn + frames}, {length} frames) goes past the {limit} frames this map may cover");
            }
            frames += length;
            offset += read;
            count++;
        }
        return count;
    }

    internal static ProtocolException Corrupt(string message) =>
        new(ErrorCode.MalformedFrame, $"corrupt page-class runs: {message}");
}
