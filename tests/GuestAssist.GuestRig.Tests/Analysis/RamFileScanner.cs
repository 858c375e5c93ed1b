using System.Buffers.Binary;

namespace GuestAssist.GuestRig.Tests.Analysis;

/// <summary>
/// Scans a guest RAM file (file offset = GPA) for pattern headers at any offset inside a 4 KiB frame and
/// records those whose tag is expected, whose index is below that tag's page count and whose checked
/// body word matches (when it lies in the same frame).
/// </summary>
public static class RamFileScanner
{
    public const int FrameBytes = 4096;

    private const int ChunkBytes = 16 << 20;

    public static PatternCopies Scan(string ramFile, IReadOnlyDictionary<uint, int> pagesByTag)
    {
        var copies = new PatternCopies();
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
                copies.Add(tag, index, (ulong)((chunkStart + at) / FrameBytes));
            }
        }
        return copies;
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
