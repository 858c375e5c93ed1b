using System.Buffers.Binary;

namespace GuestAssist.Host.Transfer;

/// <summary>
/// The 16-byte little-endian header before every frame after the hello:
/// kind u8 @0, flags u8 @1, reserved u16 @2 (zero), count u32 @4, gfn u64 @8.
/// A Pages frame is followed by count × page size bytes of raw page data; other kinds carry nothing.
/// </summary>
internal readonly record struct TransferFrameHeader(TransferFrameKind Kind, byte Flags, uint Count, ulong Gfn)
{
    public const int Size = 16;

    public static TransferFrameHeader UrgentRequest(ulong gfn) => new(TransferFrameKind.UrgentRequest, 0, 1, gfn);

    public static TransferFrameHeader Pages(ulong firstGfn, int count) => new(TransferFrameKind.Pages, 0, (uint)count, firstGfn);

    public static TransferFrameHeader ZeroRun(ulong firstGfn, uint count, ZeroRunReason reason) =>
        new(TransferFrameKind.ZeroRun, (byte)reason, count, firstGfn);

    public static TransferFrameHeader EndOfStream { get; } = new(TransferFrameKind.EndOfStream, 0, 0, 0);

    public static TransferFrameHeader Switchover { get; } = new(TransferFrameKind.Switchover, 0, 0, 0);

    public static TransferFrameHeader Installed(ulong firstGfn, uint count) => new(TransferFrameKind.Installed, 0, count, firstGfn);

    /// <summary>Bytes of payload that follow the header.</summary>
    public int PayloadBytes(uint pageSize) => Kind == TransferFrameKind.Pages ? checked((int)(Count * pageSize)) : 0;

    public void Write(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"a frame header needs {Size} bytes", nameof(destination));
        }
        destination[0] = (byte)Kind;
        destination[1] = Flags;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], Count);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], Gfn);
    }

    /// <summary>Decodes and validates a header against the session's frame count.</summary>
    public static TransferFrameHeader Parse(ReadOnlySpan<byte> source, ulong totalFrames)
    {
        if (source.Length < Size)
        {
            throw new TransferProtocolException($"truncated frame header: {source.Length} of {Size} bytes");
        }
        var kind = (TransferFrameKind)source[0];
        var flags = source[1];
        var reserved = BinaryPrimitives.ReadUInt16LittleEndian(source[2..]);
        var count = BinaryPrimitives.ReadUInt32LittleEndian(source[4..]);
        var gfn = BinaryPrimitives.ReadUInt64LittleEndian(source[8..]);
        if (reserved != 0)
        {
            throw new TransferProtocolException($"frame header reserved field is 0x{reserved:x}, expected 0");
        }
        switch (kind)
        {
            case TransferFrameKind.UrgentRequest:
                Expect(count == 1 && flags == 0, kind, $"count {count}, flags {flags}: an urgent request names exactly one frame");
                Expect(gfn < totalFrames, kind, $"GFN {gfn} is beyond the {totalFrames} frames of the session");
                break;
            case TransferFrameKind.Pages:
                Expect(flags == 0, kind, $"flags {flags} set");
                Expect(count is >= 1 and <= TransferLimits.MaxPagesPerFrame, kind, $"count {count} outside 1..{TransferLimits.MaxPagesPerFrame}");
                Expect(gfn < totalFrames && count <= totalFrames - gfn, kind, $"frames {gfn}+{count} exceed the {totalFrames} frames of the session");
                break;
            case TransferFrameKind.ZeroRun:
                Expect(flags <= (byte)ZeroRunReason.Skipped, kind, $"unknown zero-run reason {flags}");
                Expect(count is >= 1 and <= TransferLimits.MaxZeroRun, kind, $"count {count} outside 1..{TransferLimits.MaxZeroRun}");
                Expect(gfn < totalFrames && count <= totalFrames - gfn, kind, $"frames {gfn}+{count} exceed the {totalFrames} frames of the session");
                break;
            case TransferFrameKind.EndOfStream:
                Expect(count == 0 && gfn == 0 && flags == 0, kind, "end of stream carries no fields");
                break;
            case TransferFrameKind.Switchover:
                Expect(count == 0 && gfn == 0 && flags == 0, kind, "switchover carries no fields");
                break;
            case TransferFrameKind.Installed:
                Expect(flags == 0, kind, $"flags {flags} set");
                Expect(count is >= 1 and <= TransferLimits.MaxZeroRun, kind, $"count {count} outside 1..{TransferLimits.MaxZeroRun}");
                Expect(gfn < totalFrames && count <= totalFrames - gfn, kind, $"frames {gfn}+{count} exceed the {totalFrames} frames of the session");
                break;
            default:
                throw new TransferProtocolException($"unknown frame kind {(byte)kind}");
        }
        return new TransferFrameHeader(kind, flags, count, gfn);
    }

    private static void Expect(bool condition, TransferFrameKind kind, string what)
    {
        if (!condition)
        {
            throw new TransferProtocolException($"malformed {kind} frame: {what}");
        }
    }
}
