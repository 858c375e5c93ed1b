using GuestAssist.Host.Transfer;
using GuestAssist.Linux.Transports;

namespace GuestAssist.Host.Tests.Transfer;

public class TransferStreamTests
{
    [Fact]
    public void Frames_round_trip_through_a_stream()
    {
        var stream = new MemoryStream();
        var writer = new TransferStreamWriter(stream, 4096);
        var pages = new byte[2 * 4096];
        pages[0] = 1;
        pages[4096] = 2;
        writer.WritePages(5, 2, pages);
        writer.WriteZeroRun(7, 3, ZeroRunReason.ZeroContent);
        writer.WriteUrgentRequest(9);
        writer.WriteEndOfStream();
        stream.Position = 0;
        var reader = new TransferStreamReader(stream, 4096, 100);
        var payload = new byte[reader.MaxPayloadBytes];
        Assert.True(reader.TryReadFrame(out var h, payload));
        Assert.Equal(TransferFrameHeader.Pages(5, 2), h);
        Assert.Equal(1, payload[0]);
        Assert.Equal(2, payload[4096]);
        Assert.True(reader.TryReadFrame(out h, payload));
        Assert.Equal(TransferFrameHeader.ZeroRun(7, 3, ZeroRunReason.ZeroContent), h);
        Assert.True(reader.TryReadFrame(out h, payload));
        Assert.Equal(TransferFrameHeader.UrgentRequest(9), h);
        Assert.True(reader.TryReadFrame(out h, payload));
        Assert.Equal(TransferFrameKind.EndOfStream, h.Kind);
        Assert.False(reader.TryReadFrame(out _, payload));
    }

    [Fact]
    public void A_cut_inside_a_frame_is_a_protocol_error_not_a_short_page()
    {
        var stream = new MemoryStream();
        new TransferStreamWriter(stream, 4096).WritePages(0, 1, new byte[4096]);
        var cut = new MemoryStream(stream.ToArray()[..(16 + 100)]);
        var reader = new TransferStreamReader(cut, 4096, 10);
        var error = Assert.Throws<TransferProtocolException>(() => reader.TryReadFrame(out _, new byte[reader.MaxPayloadBytes]));
        Assert.Contains("after 100 of 4096 bytes", error.Message, StringComparison.Ordinal);
        var headerCut = new TransferStreamReader(new MemoryStream(stream.ToArray()[..5]), 4096, 10);
        Assert.Throws<TransferProtocolException>(() => headerCut.TryReadFrame(out _, new byte[4096]));
    }

    [Fact]
    public void A_small_frame_is_one_write_and_one_read_and_large_frames_survive_any_chunking()
    {
        var stream = new CountingStream(maxReadBytes: int.MaxValue);
        var writer = new TransferStreamWriter(stream, 4096);
        writer.WritePages(3, 1, Enumerable.Repeat((byte)7, 4096).ToArray());
        Assert.Equal(1, stream.Writes);
        stream.Position = 0;
        var reader = new TransferStreamReader(stream, 4096, 1000);
        var payload = new byte[reader.MaxPayloadBytes];
        Assert.True(reader.TryReadFrame(out var header, payload));
        Assert.Equal(TransferFrameHeader.Pages(3, 1), header);
        Assert.Equal(1, stream.Reads);

        var trickle = new CountingStream(maxReadBytes: 3);
        var trickleWriter = new TransferStreamWriter(trickle, 4096);
        var big = new byte[100 * 4096];
        new Random(5).NextBytes(big);
        trickleWriter.WritePages(10, 100, big);
        trickleWriter.WriteZeroRun(200, 4, ZeroRunReason.Skipped);
        trickleWriter.WritePages(300, 2, big.AsSpan(0, 2 * 4096));
        trickle.Position = 0;
        var trickleReader = new TransferStreamReader(trickle, 4096, 1000);
        Assert.True(trickleReader.TryReadFrame(out header, payload));
        Assert.Equal(TransferFrameHeader.Pages(10, 100), header);
        Assert.True(payload.AsSpan(0, big.Length).SequenceEqual(big));
        Assert.True(trickleReader.TryReadFrame(out header, payload));
        Assert.Equal(TransferFrameHeader.ZeroRun(200, 4, ZeroRunReason.Skipped), header);
        Assert.True(trickleReader.TryReadFrame(out header, payload));
        Assert.Equal(TransferFrameHeader.Pages(300, 2), header);
        Assert.True(payload.AsSpan(0, 2 * 4096).SequenceEqual(big.AsSpan(0, 2 * 4096)));
        Assert.False(trickleReader.TryReadFrame(out _, payload));
    }

    [Fact]
    public void Writer_checks_its_arguments()
    {
        var writer = new TransferStreamWriter(new MemoryStream(), 4096);
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.WritePages(0, 0, []));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.WritePages(0, 257, new byte[257 * 4096]));
        Assert.Throws<ArgumentException>(() => writer.WritePages(0, 2, new byte[4096]));
    }

    [Theory]
    [InlineData("unix:/tmp/x.sock", "unix:/tmp/x.sock")]
    [InlineData("tcp:127.0.0.1:7000", "tcp:127.0.0.1:7000")]
    [InlineData("tcp:[::1]:7000", "tcp:[::1]:7000")]
    public void Transfer_addresses_are_transport_addresses(string address, string formatted) =>
        Assert.Equal(formatted, TransferEndPoint.Format(TransferEndPoint.From(TransportAddress.Parse(address))));

    [Theory]
    [InlineData("vsock:2:5000")]
    [InlineData("hybrid:/run/v.sock:5000")]
    [InlineData("serial:/dev/virtio-ports/x")]
    public void Addresses_the_page_path_cannot_use_are_refused_with_a_reason(string address)
    {
        var error = Assert.Throws<TransportAddressFormatException>(() => TransferEndPoint.From(TransportAddress.Parse(address)));
        Assert.Equal($"invalid transport address \"{address}\": pages travel over Unix sockets or TCP only; expected one of unix:/path, tcp:host:port", error.Message);
    }

    /// <summary>A memory stream that counts calls and hands out at most <c>maxReadBytes</c> per read, as a socket may.</summary>
    private sealed class CountingStream(int maxReadBytes) : MemoryStream
    {
        public int Reads { get; private set; }

        public int Writes { get; private set; }

        public override int Read(Span<byte> buffer)
        {
            var array = new byte[Math.Min(buffer.Length, maxReadBytes)];
            var n = Read(array, 0, array.Length);
            array.AsSpan(0, n).CopyTo(buffer);
            return n;
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            Reads++;
            return base.Read(buffer, offset, Math.Min(count, maxReadBytes));
        }

        public override void Write(ReadOnlySpan<byte> buffer) => Write(buffer.ToArray(), 0, buffer.Length);

        public override void Write(byte[] buffer, int offset, int count)
        {
            Writes++;
            base.Write(buffer, offset, count);
        }
    }
}
