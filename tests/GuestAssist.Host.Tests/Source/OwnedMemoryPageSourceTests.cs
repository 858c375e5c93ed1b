using GuestAssist.Host.Layout;
using GuestAssist.Host.Source;
using GuestAssist.Linux.Memory;

namespace GuestAssist.Host.Tests.Source;

public sealed class OwnedMemoryPageSourceTests
{
    private const ulong Page = 4096;
    private static readonly GuestMemoryLayout Layout = new([new MemoryRegion(0, 64 * Page, 0)]);

    [Fact]
    public void Private_anonymous_memory_is_released_with_dontneed_and_reads_zero()
    {
        using var memory = MappedMemory.Anonymous(Layout.FileBytes);
        memory.AsSpan(0, (int)Layout.FileBytes).Fill(0xA5);
        using var source = new OwnedMemoryPageSource(memory, Layout);

        Assert.Equal((long)(8 * Page), source.Release(4, 8));

        var page = new byte[Page];
        source.Read(4, 1, page);
        Assert.True(page.AsSpan().IndexOfAnyExcept((byte)0) < 0);
        source.Read(12, 1, page);
        Assert.True(page.AsSpan().IndexOfAnyExcept((byte)0xA5) < 0, "the next frame is kept");
    }

    [Fact]
    public void Shared_memory_is_released_for_every_mapping_with_remove()
    {
        using var vm = new GuestMemoryFile(Layout);
        using var source = new OwnedMemoryPageSource(vm.Mapping, Layout);
        var before = vm.DataBytes();

        source.Release(0, 32);

        Assert.Equal(before - (long)(32 * Page), vm.DataBytes());
        using var other = new MappedFilePageSource(vm.Path, Layout);
        var page = new byte[Page];
        other.Read(31, 1, page);
        Assert.True(page.AsSpan().IndexOfAnyExcept((byte)0) < 0, "another mapping of the file sees the hole");
    }
}
