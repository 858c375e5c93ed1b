namespace GuestAssist.Protocol.PageMaps;

/// <summary>Unsigned LEB128 (protobuf varint): 7 bits per byte, low group first, high bit = more.</summary>
internal static class Varint
{
    public const int MaxLength = 10;

    public static int SizeOf(ulong value)
    {
        // 1 byte per started group of 7 bits; value 0 still takes one byte.
        var bits = 64 - System.Numerics.BitOperations.LeadingZeroCount(value | 1);
        return (bits + 6) / 7;
    }

    public static int Write(Span<byte> destination, ulong value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        destination[i++] = (byte)value;
        return i;
    }

    /// <summary>Reads one varint; 0 bytes read means truncated, -1 means it overflows 64 bits.</summary>
    public static int TryRead(ReadOnlySpan<byte> source, out ulong value)
    {
        value = 0;
        var shift = 0;
        for (var i = 0; i < source.Length; i++)
        {
            var b = source[i];
            if (i == MaxLength - 1 && b > 1)
            {
                return -1;
            }
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return i + 1;
            }
            shift += 7;
        }
        return 0;
    }
}
