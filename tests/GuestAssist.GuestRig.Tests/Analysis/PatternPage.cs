namespace GuestAssist.GuestRig.Tests.Analysis;

/// <summary>rigload's pattern page: u64 magic, u32 tag, u32 index, then body words f(tag, index, offset).</summary>
public static class PatternPage
{
    public const ulong Magic = 0x47415249475041A5;

    public const int HeaderBytes = 16;

    /// <summary>The body word rigload's heat-write never rewrites (it rewrites words 2, 10, 18, …).</summary>
    public const int CheckedWordOffset = 24;

    public static ulong Key(uint tag, uint index) => ((ulong)tag << 32) | index;

    /// <summary>Same function as rigload.c's body_word.</summary>
    public static ulong BodyWord(uint tag, uint index, uint offset)
    {
        var x = ((ulong)tag << 40) ^ ((ulong)index << 12) ^ offset ^ 0x9E3779B97F4A7C15;
        x ^= x >> 31;
        x *= 0xBF58476D1CE4E5B9;
        x ^= x >> 29;
        return x | 1;
    }

    /// <summary>The 8 bytes of page (tag, index) starting at <paramref name="offset"/> (≥ 16), little-endian, as rigload wrote them.</summary>
    public static ulong BodyBytes(uint tag, uint index, int offset)
    {
        ulong value = 0;
        for (var b = 0; b < 8; b++)
        {
            var position = offset + b;
            var word = BodyWord(tag, index, (uint)(position & ~7));
            value |= ((word >> (8 * (position & 7))) & 0xFF) << (8 * b);
        }
        return value;
    }

    /// <summary>Writes page (tag, index) as rigload does (for the rig's own tests).</summary>
    public static void Fill(Span<byte> page, uint tag, uint index)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(page, Magic);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(page[8..], tag);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(page[12..], index);
        for (var offset = HeaderBytes; offset + 8 <= page.Length; offset += 8)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(page[offset..], BodyWord(tag, index, (uint)offset));
        }
    }
}
