using GuestAssist.Host.Layout;

namespace GuestAssist.Host.Tests.Layout;

public class GuestMemoryLayoutPresetTests
{
    private const ulong MiB = 1UL << 20;
    private const ulong GiB = 1UL << 30;

    [Fact]
    public void Firecracker_small_guest_is_one_region_from_zero()
    {
        var layout = GuestMemoryLayout.Firecracker(2 * GiB);

        var region = Assert.Single(layout.Regions);
        Assert.Equal(new MemoryRegion(0, 2 * GiB, 0), region);
        Assert.Equal(2 * GiB >> 12, layout.TotalFrames);
        Assert.Equal(2 * GiB, layout.FileBytes);
    }

    [Fact]
    public void Firecracker_large_guest_splits_at_the_mmio_gap_and_concatenates_the_file()
    {
        var layout = GuestMemoryLayout.Firecracker(8 * GiB);

        Assert.Equal([new MemoryRegion(0, 3 * GiB, 0), new MemoryRegion(4 * GiB, 5 * GiB, 3 * GiB)], layout.Regions);
        Assert.Equal(8 * GiB, layout.MemoryBytes);
        Assert.Equal(8 * GiB, layout.FileBytes);
        Assert.Equal(9 * GiB >> 12, layout.TotalFrames);
        Assert.Equal(3 * GiB, layout.FileOffsetOf(4 * GiB >> 12));
        Assert.Equal((3 * GiB) - 4096, layout.FileOffsetOf((3 * GiB >> 12) - 1));
        Assert.False(layout.IsBacked(3 * GiB >> 12));
        Assert.False(layout.IsBacked((4 * GiB >> 12) - 1));
        Assert.False(layout.IsBacked(9 * GiB >> 12));
    }

    [Fact]
    public void Firecracker_guest_of_exactly_three_gib_has_no_high_region()
    {
        Assert.Single(GuestMemoryLayout.Firecracker(3 * GiB).Regions);
    }

    [Theory]
    [InlineData(512 * MiB, 512 * MiB, 0)]
    [InlineData(0xDFFF_F000UL, 0xDFFF_F000UL, 0)]
    [InlineData(0xE000_0000UL, 0xE000_0000UL, 0)]
    [InlineData(4 * GiB, 0xE000_0000UL, 0x2000_0000UL)]
    [InlineData(16 * GiB, 0xE000_0000UL, (16 * GiB) - 0xE000_0000UL)]
    public void QemuPc_low_memory_ends_at_0xE0000000(ulong memory, ulong low, ulong high) =>
        AssertLowHigh(GuestMemoryLayout.QemuPc(memory), low, high);

    [Theory]
    [InlineData(2 * GiB, 2 * GiB, 0)]
    [InlineData(4 * GiB, 3 * GiB, GiB)]
    public void QemuPc_with_gigabyte_alignment_stops_low_memory_at_3_GiB(ulong memory, ulong low, ulong high) =>
        AssertLowHigh(GuestMemoryLayout.QemuPc(memory, gigabyteAlign: true), low, high);

    [Theory]
    [InlineData(GiB, GiB, 0)]
    [InlineData(0xAFFF_F000UL, 0xAFFF_F000UL, 0)]
    [InlineData(0xB000_0000UL, 2 * GiB, 0x3000_0000UL)]
    [InlineData(8 * GiB, 2 * GiB, 6 * GiB)]
    public void QemuQ35_low_memory_is_2_GiB_once_ram_reaches_0xB0000000(ulong memory, ulong low, ulong high) =>
        AssertLowHigh(GuestMemoryLayout.QemuQ35(memory), low, high);

    [Fact]
    public void Presets_refuse_empty_misaligned_and_oversized_memory()
    {
        Assert.Equal(LayoutErrorKind.Empty, Assert.Throws<LayoutException>(() => GuestMemoryLayout.Firecracker(0)).Kind);
        var misaligned = Assert.Throws<LayoutException>(() => GuestMemoryLayout.QemuQ35(GiB + 100));
        Assert.Equal(LayoutErrorKind.Misaligned, misaligned.Kind);
        Assert.Equal("QemuQ35: memory size 0x40000064 is not a multiple of 4096", misaligned.Message);
        Assert.Equal(LayoutErrorKind.OutOfRange, Assert.Throws<LayoutException>(() => GuestMemoryLayout.QemuPc(1UL << 52)).Kind);
    }

    private static void AssertLowHigh(GuestMemoryLayout layout, ulong low, ulong high)
    {
        Assert.Equal(new MemoryRegion(0, low, 0), layout.Regions[0]);
        if (high == 0)
        {
            Assert.Single(layout.Regions);
            return;
        }
        Assert.Equal(2, layout.Regions.Count);
        Assert.Equal(new MemoryRegion(4 * GiB, high, low), layout.Regions[1]);
        Assert.Equal(low + high, layout.FileBytes);
    }
}
