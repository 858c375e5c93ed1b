using GuestAssist.Linux.Memory;

namespace GuestAssist.Linux.Tests.Memory;

public class MappedMemoryTests
{
    [Fact]
    public void Anonymous_memory_is_zeroed_and_writable()
    {
        using var memory = MappedMemory.Anonymous(8192);
        var span = memory.AsSpan(4096, 4096);
        Assert.True(span.IndexOfAnyExcept((byte)0) < 0);
        span.Fill(3);
        Assert.Equal(3, memory.AsSpan(8191, 1)[0]);
    }

    [Fact]
    public void Memfd_contents_are_shared_between_mappings_and_dontneed_keeps_them()
    {
        using var file = MemoryFile.Create("ga-test", 3 * 4096);
        using var writer = MappedMemory.MapFile(file, 3 * 4096, protection: MemoryProtection.ReadWrite);
        using var reader = MappedMemory.MapFile(file, 4096, offset: 8192);
        writer.AsSpan(8192, 4).Fill(0xEE);
        Assert.Equal(0xEE, reader.AsSpan(3, 1)[0]);
        writer.Advise(0, 3 * 4096, MemoryAdvice.DontNeed);
        Assert.Equal(0xEE, writer.AsSpan(8192, 1)[0]);
        writer.Advise(8192, 4096, MemoryAdvice.Remove);
        Assert.Equal(0, reader.AsSpan(0, 1)[0]);
    }

    [Fact]
    public void Out_of_range_access_is_refused()
    {
        using var memory = MappedMemory.Anonymous(4096);
        Assert.Throws<ArgumentOutOfRangeException>(() => memory.AsSpan(4000, 200));
        Assert.Throws<ArgumentOutOfRangeException>(() => memory.Advise(4096, 4096, MemoryAdvice.DontNeed));
    }
}
