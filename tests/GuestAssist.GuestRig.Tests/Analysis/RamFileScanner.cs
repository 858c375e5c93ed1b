using System.Buffers.Binary;

namespace GuestAssist.GuestRig.Tests.Analysis;

/// <summary>
/// Scans a guest RAM file (file offset = GPA) in two passes. 1: pattern headers at any offset inside a
/// 4 KiB frame, kept when the tag is expected, the index below that tag's page count and the checked
/// body word matches (when it lies in the same frame). 2: for each copy whose header sits at offset o,
/// the frames whose first 8 bytes are that page's bytes at 4096 − o: where its last o bytes went.
/// 3: for copies still without one, the same bytes at any 8-byte-aligned place inside a frame.
/// </summary>
public static class RamFileScanner
{
    public const int FrameBytes = 4096;

    private const int ChunkBytes = 16 << 20;

    public static PatternCopies Scan(string ramFile, IReadOnlyDictionary<uint, int> pagesByTag)
    {
        var copies = new PatternCopies();
        var tails = new Dictionary<ulong, List<PatternCopy>>();
        Span<byte> magic = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(magic, PatternPage.Magic);
        var buffer = new byte[ChunkBytes];
        using var file = File.OpenHandle(ramFile, FileMode.Open, FileAccess.Read);
        long length = RandomAccess.GetLength(file);
        for (long chunkStart = 0; chunkStart < length; chunkStart += ChunkBytes)
        {
            var read = ReadFully(file, buffer, chunkStart);
            var chunk = buffer.AsSpan(0, read);
            var position = 0;
            while (position < chunk.Length)
            {
                var hit = chunk[position..].IndexOf(magic);
                if (hit < 0)
                {
                    break;
                }
                var at = position + hit;
                position = at + 1;
                var inFrame = at % FrameBytes;
                if (inFrame > FrameBytes - PatternPage.HeaderBytes)
                {
                    continue; // a header split across frames: not a frame-held copy
                }
                var tag = BinaryPrimitives.ReadUInt32LittleEndian(chunk[(at + 8)..]);
                var index = BinaryPrimitives.ReadUInt32LittleEndian(chunk[(at + 12)..]);
                if (!pagesByTag.TryGetValue(tag, out var pages) || index >= (uint)pages)
                {
                    continue;
                }
                if (inFrame + PatternPage.CheckedWordOffset + 8 <= FrameBytes
                    && BinaryPrimitives.ReadUInt64LittleEndian(chunk[(at + PatternPage.CheckedWordOffset)..]) != PatternPage.BodyWord(tag, index, PatternPage.CheckedWordOffset))
                {
                    continue;
                }
                var copy = copies.Add(tag, index, (ulong)((chunkStart + at) / FrameBytes), inFrame);
                if (copy.NeedsTail)
                {
                    var word = PatternPage.BodyBytes(tag, index, FrameBytes - inFrame);
                    if (!tails.TryGetValue(word, out var waiting))
                    {
                        tails[word] = waiting = [];
                    }
                    waiting.Add(copy);
                }
            }
        }
        if (tails.Count > 0)
        {
            FindTails(file, length, buffer, tails);
            FindTailsInsideFrames(file, length, buffer, tails);
        }
        return copies;
    }

    private static void FindTails(Microsoft.Win32.SafeHandles.SafeFileHandle file, long length, byte[] buffer, Dictionary<ulong, List<PatternCopy>> tails)
    {
        for (long chunkStart = 0; chunkStart < length; chunkStart += ChunkBytes)
        {
            var read = ReadFully(file, buffer, chunkStart);
            for (var frame = 0; frame + 8 <= read; frame += FrameBytes)
            {
                if (tails.TryGetValue(BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(frame)), out var waiting))
                {
                    var gfn = (ulong)((chunkStart + frame) / FrameBytes);
                    foreach (var copy in waiting)
                    {
                        if (copy.HeaderGfn != gfn)
                        {
                            copy.TailGfns.Add(gfn);
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Pass 3, for the copies pass 2 left without a continuation (a socket skb's last page continues in
    /// the next skb's slab head): every 8-byte-aligned word inside a frame.
    /// </summary>
    private static void FindTailsInsideFrames(Microsoft.Win32.SafeHandles.SafeFileHandle file, long length, byte[] buffer, Dictionary<ulong, List<PatternCopy>> tails)
    {
        var left = new Dictionary<ulong, List<PatternCopy>>();
        foreach (var (word, waiting) in tails)
        {
            var incomplete = waiting.Where(c => c.IsIncomplete).ToList();
            if (incomplete.Count > 0)
            {
                left[word] = incomplete;
            }
        }
        if (left.Count == 0)
        {
            return;
        }
        // A 2^20-bit prefilter keeps the dictionary out of the loop for almost every word.
        var filter = new ulong[1 << 14];
        static int Bit(ulong word) => (int)((word * 0x9E3779B97F4A7C15) >> 44);
        foreach (var word in left.Keys)
        {
            filter[Bit(word) >> 6] |= 1ul << Bit(word);
        }
        for (long chunkStart = 0; chunkStart < length; chunkStart += ChunkBytes)
        {
            var read = ReadFully(file, buffer, chunkStart);
            var words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(buffer.AsSpan(0, read & ~7));
            for (var i = 0; i < words.Length; i++)
            {
                var bit = Bit(words[i]);
                if ((filter[bit >> 6] & (1ul << bit)) == 0)
                {
                    continue;
                }
                if ((i & (FrameBytes / 8 - 1)) != 0 && left.TryGetValue(words[i], out var waiting))
                {
                    var gfn = (ulong)((chunkStart + (i * 8L)) / FrameBytes);
                    foreach (var copy in waiting)
                    {
                        if (copy.HeaderGfn != gfn)
                        {
                            copy.TailGfns.Add(gfn);
                        }
                    }
                }
            }
        }
    }

    private static int ReadFully(Microsoft.Win32.SafeHandles.SafeFileHandle file, byte[] buffer, long offset)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = RandomAccess.Read(file, buffer.AsSpan(total), offset + total);
            if (n == 0)
            {
                break;
            }
            total += n;
        }
        return total;
    }
}
