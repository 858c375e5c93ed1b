using GuestAssist.Host.Transfer;

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
    public void Writer_checks_its_arguments()
    {
        var writer = new TransferStreamWriter(new MemoryStream(), 4096);
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.WritePages(0, 0, []));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.WritePages(0, 257, new byte[257 * 4096]));
        Assert.Throws<ArgumentException>(() => writer.WritePages(0, 2, new byte[4096]));
    }

    [Theory]
    [InlineData("unix:/tmp/x.sock")]
    [InlineData("/tmp/x.sock")]
    [InlineData("127.0.0.1:7000")]
    [InlineData("localhost:7000")]
    public void Addresses_parse(string address) => Assert.NotNull(TransferEndPoint.Parse(address));

    [Theory]
    [InlineData("nohost")]
    [InlineData("127.0.0.1:99999")]
    [InlineData("127.0.0.1:x")]
    public void Bad_addresses_are_format_errors(string address) => Assert.Throws<FormatException>(() => TransferEndPoint.Parse(address));
}
