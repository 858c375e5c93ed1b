using System.Buffers.Binary;
using GuestAssist.Host.Transfer;

namespace GuestAssist.Host.Tests.Transfer;

public class ChannelHelloTests
{
    [Fact]
    public void From_scratch_hello_round_trips()
    {
        var hello = new ChannelHello(Guid.NewGuid(), ChannelKind.Urgent, 4096, 12345, null);
        var back = RoundTrip(hello, out var size);
        Assert.Equal(ChannelHello.FixedSize + ProofBytes, size);
        Assert.Equal(hello, back);
        Assert.False(back.IsResume);
    }

    [Fact]
    public void Resume_hello_carries_the_bitmap()
    {
        var bitmap = new ulong[ChannelHello.BitmapWords(130)];
        bitmap[0] = 0xF0F0;
        bitmap[2] = 0b11; // frames 128, 129: the last two
        var hello = new ChannelHello(Guid.NewGuid(), ChannelKind.Background, 4096, 130, bitmap);
        var back = RoundTrip(hello, out var size);
        Assert.Equal(ChannelHello.FixedSize + ProofBytes + (3 * 8), size);
        Assert.Equal(bitmap, back.ReceivedBitmap);
        Assert.Equal(ChannelKind.Background, back.Kind);
    }

    [Fact]
    public void Bitmap_bits_beyond_the_frames_are_rejected()
    {
        var bitmap = new ulong[3];
        bitmap[2] = 0b100; // frame 130 of 130
        var bytes = Encode(new ChannelHello(Guid.Empty, ChannelKind.Background, 4096, 130, bitmap));
        var error = Assert.Throws<TransferProtocolException>(() => ChannelHello.Read(new MemoryStream(bytes)));
        Assert.Contains("beyond the 130 frames", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, "not a page-transfer hello")]
    [InlineData(4, "version 9 is not supported")]
    [InlineData(6, "unknown channel kind 9")]
    [InlineData(7, "unknown hello flags 0x09")]
    [InlineData(8, "page size 9 is not a power of two")]
    [InlineData(12, "reserved field")]
    public void Corrupted_fields_are_typed_errors(int offset, string message)
    {
        var bytes = Encode(new ChannelHello(Guid.Empty, ChannelKind.Urgent, 4096, 100, null));
        if (offset == 8)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), 9);
        }
        else if (offset == 4)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(4), 9);
        }
        else
        {
            bytes[offset] = 9;
        }
        var error = Assert.Throws<TransferProtocolException>(() => ChannelHello.Read(new MemoryStream(bytes)));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Oversized_frame_count_is_refused_before_allocating()
    {
        var bytes = Encode(new ChannelHello(Guid.Empty, ChannelKind.Background, 4096, 100, null));
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(32), ulong.MaxValue);
        bytes[7] = 1;
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(40), uint.MaxValue);
        var error = Assert.Throws<TransferProtocolException>(() => ChannelHello.ParseFixed(bytes, out _));
        Assert.Contains("outside 1..", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bitmap_word_count_must_match_the_frames()
    {
        var bytes = Encode(new ChannelHello(Guid.Empty, ChannelKind.Background, 4096, 100, null));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(40), 5);
        Assert.Contains("from-scratch hello carries 5", Assert.Throws<TransferProtocolException>(() => ChannelHello.ParseFixed(bytes, out _)).Message, StringComparison.Ordinal);
        bytes[7] = 1;
        Assert.Contains("5 words, 2 expected", Assert.Throws<TransferProtocolException>(() => ChannelHello.ParseFixed(bytes, out _)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_hello_and_reply_are_typed_errors()
    {
        var bytes = Encode(new ChannelHello(Guid.Empty, ChannelKind.Urgent, 4096, 100, null));
        var error = Assert.Throws<TransferProtocolException>(() => ChannelHello.Read(new MemoryStream(bytes[..20])));
        Assert.Contains("connection closed inside the channel hello after 20 of 44 bytes", error.Message, StringComparison.Ordinal);
        Assert.Throws<TransferProtocolException>(() => HelloReply.Read(new MemoryStream(new byte[3]), out _));
        Assert.Throws<TransferProtocolException>(() => HelloReply.Parse(new byte[HelloReply.Size]));
    }

    [Fact]
    public void Reply_round_trips()
    {
        var stream = new MemoryStream();
        var mac = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        HelloReply.Write(stream, HelloStatus.GeometryMismatch, mac);
        stream.Position = 0;
        Assert.Equal(HelloStatus.GeometryMismatch, HelloReply.Read(stream, out var read));
        Assert.Equal(mac, read);
    }

    private const int ProofBytes = 64;

    private static byte[] Encode(ChannelHello hello)
    {
        var stream = new MemoryStream();
        hello.Write(stream, new byte[ProofBytes]);
        return stream.ToArray();
    }

    private static ChannelHello RoundTrip(ChannelHello hello, out int size)
    {
        var bytes = Encode(hello);
        size = bytes.Length;
        return ChannelHello.Read(new MemoryStream(bytes));
    }
}
