using GuestAssist.Host.Layout;

namespace GuestAssist.Host.Tests.Layout;

public class GuestMemoryLayoutErrorTests
{
    private const ulong GiB = 1UL << 30;

    [Fact]
    public void Overlapping_guest_ranges_are_refused()
    {
        var e = Assert.Throws<LayoutException>(() => new GuestMemoryLayout([new MemoryRegion(0, 0x2000, 0), new MemoryRegion(0x1000, 0x1000, 0x2000)]));

        Assert.Equal(LayoutErrorKind.Overlap, e.Kind);
        Assert.Equal("region 1 (GPA 0x1000) overlaps region 0 (GPA 0x0..0x2000)", e.Message);
    }

    [Theory]
    [InlineData(0x800UL, 0x1000UL, 0UL, 0UL)]
    [InlineData(0UL, 0x1800UL, 0UL, 0UL)]
    [InlineData(0UL, 0x1000UL, 0x10UL, 0UL)]
    [InlineData(0UL, 0x1000UL, 0UL, 0x7f00_0000_0100UL)]
    public void Misaligned_regions_are_refused(ulong gpa, ulong size, ulong offset, ulong host)
    {
        var e = Assert.Throws<LayoutException>(() => new GuestMemoryLayout([new MemoryRegion(gpa, size, offset, host)]));

        Assert.Equal(LayoutErrorKind.Misaligned, e.Kind);
    }

    [Fact]
    public void Non_power_of_two_page_size_is_refused()
    {
        Assert.Equal(LayoutErrorKind.Misaligned, Assert.Throws<LayoutException>(() => new GuestMemoryLayout([new MemoryRegion(0, 0x3000, 0)], 3072)).Kind);
    }

    [Fact]
    public void Regions_beyond_the_physical_address_space_or_wrapping_are_refused()
    {
        var beyond = Assert.Throws<LayoutException>(() => new GuestMemoryLayout([new MemoryRegion((1UL << 52) - 0x1000, 0x2000, 0)]));
        var wrapping = Assert.Throws<LayoutException>(() => new GuestMemoryLayout([new MemoryRegion(ulong.MaxValue - 0xFFF, 0x2000, 0)]));
        var fileWrap = Assert.Throws<LayoutException>(() => new GuestMemoryLayout([new MemoryRegion(0, 0x2000, ulong.MaxValue - 0xFFF)]));

        Assert.Equal(LayoutErrorKind.OutOfRange, beyond.Kind);
        Assert.Equal("region 0 (GPA 0xffffffffff000..0x10000000001000) ends beyond the 52-bit guest physical address space", beyond.Message);
        Assert.Equal(LayoutErrorKind.OutOfRange, wrapping.Kind);
        Assert.Equal(LayoutErrorKind.OutOfRange, fileWrap.Kind);
    }

    [Fact]
    public void Regions_sharing_file_bytes_are_refused()
    {
        var e = Assert.Throws<LayoutException>(() => new GuestMemoryLayout([new MemoryRegion(0, 0x2000, 0), new MemoryRegion(0x4000, 0x2000, 0x1000)]));

        Assert.Equal(LayoutErrorKind.FileOverlap, e.Kind);
        Assert.Equal("regions 0 and 1 overlap in the memory file (offsets 0x0 and 0x1000)", e.Message);
    }

    [Fact]
    public void Regions_sharing_host_memory_are_refused()
    {
        var e = Assert.Throws<LayoutException>(() => new GuestMemoryLayout(
            [new MemoryRegion(0, 0x2000, 0, 0x7f00_0000_0000), new MemoryRegion(0x4000, 0x2000, 0x2000, 0x7f00_0000_1000)]));

        Assert.Equal(LayoutErrorKind.HostOverlap, e.Kind);
    }

    [Fact]
    public void Empty_layouts_and_regions_are_refused()
    {
        Assert.Equal(LayoutErrorKind.Empty, Assert.Throws<LayoutException>(() => new GuestMemoryLayout([])).Kind);
        Assert.Equal(LayoutErrorKind.Empty, Assert.Throws<LayoutException>(() => new GuestMemoryLayout([new MemoryRegion(0, 0, 0)])).Kind);
    }

    [Fact]
    public void Lookups_in_the_mmio_gap_give_not_backed_errors()
    {
        var layout = GuestMemoryLayout.Firecracker(4 * GiB).WithHostAddresses([0x7f00_0000_0000UL, 0x7f10_0000_0000UL]);
        var gapGfn = (3 * GiB >> 12) + 5;

        var offset = Assert.Throws<LayoutException>(() => layout.FileOffsetOf(gapGfn));
        var host = Assert.Throws<LayoutException>(() => layout.HostAddressOf(gapGfn));

        Assert.Equal(LayoutErrorKind.NotBacked, offset.Kind);
        Assert.Equal("GFN 0xc0005 (GPA 0xc0005000) is not backed by any region", offset.Message);
        Assert.Equal(LayoutErrorKind.NotBacked, host.Kind);
        Assert.False(layout.TryGetRegion(gapGfn, out _, out var index));
        Assert.Equal(-1, index);
        Assert.Equal(LayoutErrorKind.NotBacked, Assert.Throws<LayoutException>(() => layout.FileOffsetOf(5 * GiB >> 12)).Kind);
    }

    [Fact]
    public void Host_addresses_map_back_to_guest_frames_on_both_sides_of_the_gap()
    {
        var layout = GuestMemoryLayout.Firecracker(4 * GiB).WithHostAddresses([0x7f00_0000_0000UL, 0x7f10_0000_0000UL]);

        Assert.True(layout.TryGetGfnOfHostAddress(0x7f10_0000_0000UL + 0x1234, out var gfn));
        Assert.Equal((4 * GiB >> 12) + 1, gfn);
        Assert.Equal(0x7f00_0000_0000UL + 0x5000, layout.HostAddressOf(5));
        Assert.False(layout.TryGetGfnOfHostAddress(0x7f10_0000_0000UL + GiB, out _));
    }

    [Fact]
    public void Lookup_without_host_address_is_a_typed_error()
    {
        Assert.Equal(LayoutErrorKind.NoHostAddress, Assert.Throws<LayoutException>(() => GuestMemoryLayout.Firecracker(GiB).HostAddressOf(1)).Kind);
    }

    [Fact]
    public void Wrong_number_of_host_bases_is_refused()
    {
        Assert.Throws<LayoutException>(() => GuestMemoryLayout.Firecracker(4 * GiB).WithHostAddresses([0x7f00_0000_0000UL]));
    }
}
