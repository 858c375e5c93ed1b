using GuestAssist.Linux.Transports;

namespace GuestAssist.Linux.Tests.Transports;

public class PrereadStreamTests
{
    [Fact]
    public void Returns_preread_bytes_first_then_the_inner_stream()
    {
        using var stream = new PrereadStream(new byte[] { 1, 2, 3 }, new MemoryStream([4, 5]));
        var buffer = new byte[2];

        Assert.Equal(2, stream.Read(buffer));
        Assert.Equal(new byte[] { 1, 2 }, buffer);
        Assert.Equal(1, stream.Read(buffer));
        Assert.Equal(3, buffer[0]);
        Assert.Equal(2, stream.Read(buffer));
        Assert.Equal(new byte[] { 4, 5 }, buffer);
        Assert.Equal(0, stream.Read(buffer));
    }

    [Fact]
    public async Task Async_reads_see_the_same_sequence()
    {
        await using var stream = new PrereadStream(new byte[] { 1, 2, 3 }, new MemoryStream([4, 5]));
        var all = new byte[5];

        await stream.ReadExactlyAsync(all);

        Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, all);
    }

    [Fact]
    public void Writes_go_to_the_inner_stream_and_dispose_closes_it()
    {
        var inner = new MemoryStream();
        var stream = new PrereadStream(ReadOnlyMemory<byte>.Empty, inner);

        stream.Write([9, 8]);
        Assert.Equal(new byte[] { 9, 8 }, inner.ToArray());

        stream.Dispose();
        Assert.False(inner.CanRead);
    }
}
