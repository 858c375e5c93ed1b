using GuestAssist.Host.Layout;
using GuestAssist.Host.Source;

namespace GuestAssist.Host.Tests.Source;

public class ReleaseBlocksTests
{
    private const ulong Page = 4096;

    [Fact]
    public void A_block_is_released_once_when_its_last_backed_frame_is_confirmed_and_holes_do_not_count()
    {
        // Block 0 whole, block 1 backed only in its first 100 frames, block 2 backed from frame 1100 on.
        var layout = new GuestMemoryLayout([new MemoryRegion(0, 612 * Page, 0), new MemoryRegion(1100 * Page, 436 * Page, 612 * Page)]);
        var blocks = new ReleaseBlocks(layout);
        var released = new List<(ulong, ulong)>();

        blocks.Confirmed(0, 511, (first, end) => released.Add((first, end)));
        Assert.Empty(released);
        blocks.Confirmed(511, 600, (first, end) => released.Add((first, end)));
        Assert.Equal([(0UL, 512UL)], released);
        blocks.Confirmed(600, 612, (first, end) => released.Add((first, end)));
        Assert.Equal([(0UL, 512UL), (512UL, 1024UL)], released);
        blocks.Confirmed(1100, 1535, (first, end) => released.Add((first, end)));
        Assert.Equal(2, released.Count);
        blocks.Confirmed(1535, 1536, (first, end) => released.Add((first, end)));
        Assert.Equal([(0UL, 512UL), (512UL, 1024UL), (1024UL, 1536UL)], released);
    }

    [Fact]
    public void With_pages_of_2_MiB_every_frame_is_a_block_of_its_own()
    {
        var layout = new GuestMemoryLayout([new MemoryRegion(0, 4 * (2UL << 20), 0)], pageSize: 2 << 20);
        var blocks = new ReleaseBlocks(layout);
        var released = new List<(ulong, ulong)>();

        blocks.Confirmed(1, 3, (first, end) => released.Add((first, end)));

        Assert.Equal([(1UL, 2UL), (2UL, 3UL)], released);
    }
}
