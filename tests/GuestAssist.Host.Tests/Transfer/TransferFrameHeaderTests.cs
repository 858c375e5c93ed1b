using System.Buffers.Binary;
using GuestAssist.Host.Transfer;

namespace GuestAssist.Host.Tests.Transfer;

public class TransferFrameHeaderTests
{
    private const ulong Frames = 1000;

    [Fact]
    public void Layout_is_pinned()
    {
        var bytes = new byte[TransferFrameHeader.Size];
        TransferFrameHeader.Pages(0x0102030405, 7).Write(bytes);
        Assert.Equal(16, TransferFrameHeader.Size);
        Assert.Equal((byte)TransferFrameKind.Pages, bytes[0]);
        Assert.Equal(0, bytes[1]);
        Assert.Equal(7u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4)));
        Assert.Equal(0x0102030405UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(8)));
        Assert.Equal(1, (int)TransferFrameKind.UrgentRequest);
        Assert.Equal(2, (int)TransferFrameKind.Pages);
        Assert.Equal(3, (int)TransferFrameKind.ZeroRun);
        Assert.Equal(4, (int)TransferFrameKind.EndOfStream);
        Assert.Equal(5, (int)TransferFrameKind.Switchover);
        Assert.Equal(6, (int)TransferFrameKind.Installed);
    }

    [Fact]
    public void Round_trips_every_kind()
    {
        TransferFrameHeader[] headers =
        [
            TransferFrameHeader.UrgentRequest(999),
            TransferFrameHeader.Pages(10, 256),
            TransferFrameHeader.ZeroRun(0, 1000, ZeroRunReason.Skipped),
            TransferFrameHeader.EndOfStream,
            TransferFrameHeader.Switchover,
            TransferFrameHeader.Installed(3, 997),
        ];
        var bytes = new byte[TransferFrameHeader.Size];
        foreach (var header in headers)
        {
            header.Write(bytes);
            Assert.Equal(header, TransferFrameHeader.Parse(bytes, Frames));
        }
    }

    [Theory]
    [InlineData(0, 0, 1, 0, "unknown frame kind 0")]
    [InlineData(9, 0, 1, 0, "unknown frame kind 9")]
    [InlineData(7, 0, 1, 0, "unknown frame kind 7")]
    [InlineData(1, 0, 2, 0, "exactly one frame")]
    [InlineData(1, 0, 1, 1000, "beyond the 1000 frames")]
    [InlineData(2, 0, 0, 0, "count 0 outside 1..256")]
    [InlineData(2, 0, 257, 0, "count 257 outside 1..256")]
    [InlineData(2, 0, 10, 995, "exceed the 1000 frames")]
    [InlineData(2, 1, 1, 0, "flags 1 set")]
    [InlineData(3, 2, 1, 0, "unknown zero-run reason 2")]
    [InlineData(3, 0, 1001, 0, "exceed the 1000 frames")]
    [InlineData(4, 0, 1, 0, "end of stream carries no fields")]
    [InlineData(5, 0, 0, 1, "switchover carries no fields")]
    [InlineData(6, 0, 0, 0, "count 0 outside")]
    [InlineData(6, 1, 1, 0, "flags 1 set")]
    [InlineData(6, 0, 2, 999, "exceed the 1000 frames")]
    public void Malformed_headers_are_typed_errors(byte kind, byte flags, uint count, ulong gfn, string message)
    {
        var bytes = new byte[TransferFrameHeader.Size];
        bytes[0] = kind;
        bytes[1] = flags;
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), count);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(8), gfn);
        var error = Assert.Throws<TransferProtocolException>(() => TransferFrameHeader.Parse(bytes, Frames));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reserved_field_and_truncation_are_rejected()
    {
        var bytes = new byte[TransferFrameHeader.Size];
        TransferFrameHeader.UrgentRequest(1).Write(bytes);
        bytes[2] = 1;
        Assert.Contains("reserved", Assert.Throws<TransferProtocolException>(() => TransferFrameHeader.Parse(bytes, Frames)).Message, StringComparison.Ordinal);
        Assert.Contains("truncated", Assert.Throws<TransferProtocolException>(() => TransferFrameHeader.Parse(bytes.AsSpan(0, 15), Frames)).Message, StringComparison.Ordinal);
    }
}
