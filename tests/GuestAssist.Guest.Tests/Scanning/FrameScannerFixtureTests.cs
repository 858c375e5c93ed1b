using GuestAssist.Guest.Classification;
using GuestAssist.Guest.Scanning;
using GuestAssist.Guest.Tests.Support;
using GuestAssist.Protocol.V1;
using static GuestAssist.Guest.Classification.KPageFlag;

namespace GuestAssist.Guest.Tests.Scanning;

public sealed class FrameScannerFixtureTests : IDisposable
{
    private const ulong UsedAnon = Lru | Anon | SwapBacked | Mmap | Uptodate;
    private readonly FixtureProcFs _fixture = new(4096);

    public void Dispose() => _fixture.Dispose();

    private FrameScanResult Scan(FrameScannerOptions? options = null)
    {
        _fixture.Write();
        var scanner = new FrameScanner(_fixture.Paths, options);
        return scanner.Scan();
    }

    [Fact]
    public void Holes_outside_system_ram_are_firmware_areas_sent_with_the_kernel_and_the_map_starts_at_gfn_0()
    {
        // QEMU pc: GFN 0 and 0x9F-0xFF are not "System RAM", yet the VMM backs them and they hold the BIOS and
        // option ROM shadows (QEMU reads its vapic ROM there when it loads device state): never skipped.
        _fixture.Fill(0, 4096, Slab);
        _fixture.SetRam((16, 1024), (2048, 4096));

        var result = Scan();

        Assert.Equal(4096UL, result.TotalFrames);
        Assert.Equal(1008UL + 2048UL, result.RamFrames);
        Assert.Equal(PageClass.Kernel, result.ClassOf(0));
        Assert.Equal(PageClass.Kernel, result.ClassOf(15));
        Assert.Equal(PageClass.Kernel, result.ClassOf(1024));
        Assert.Equal(PageClass.Kernel, result.ClassOf(2047));
        Assert.Equal(0UL, result.Counts[PageClass.Unbacked]);
    }

    [Theory]
    [InlineData(Offline)]
    [InlineData(HwPoison)]
    [InlineData(HwPoison | Lru | Anon)]
    [InlineData(Offline | Buddy)]
    public void Offline_and_hwpoison_frames_are_unbacked(ulong flags)
    {
        _fixture.Fill(0, 4096, UsedAnon, 1);
        _fixture.Set(700, flags);

        var result = Scan();

        Assert.Equal(PageClass.Unbacked, result.ClassOf(700));
        Assert.Equal(1UL, result.Counts[PageClass.Unbacked]);
    }

    [Fact]
    public void A_nopage_frame_is_sent_not_unbacked()
    {
        _fixture.Fill(0, 4096, UsedAnon, 1);
        _fixture.Set(700, NoPage);

        var result = Scan();

        Assert.Equal(PageClass.Kernel, result.ClassOf(700));
        Assert.Equal(0UL, result.Counts[PageClass.Unbacked]);
    }

    [Fact]
    public void Buddy_is_free_and_tallied()
    {
        _fixture.Fill(0, 4096, UsedAnon, 1);
        _fixture.Fill(1000, 24, Buddy);

        var result = Scan();

        Assert.Equal(24UL, result.Counts[PageClass.Free]);
        Assert.Equal(24UL, result.Tally.Buddy);
        Assert.Equal(PageClass.Free, result.ClassOf(1010));
    }

    [Fact]
    public void Blank_frames_are_unproven_not_free_when_no_kernel_figure_accounts_for_them()
    {
        _fixture.Fill(0, 4096, UsedAnon, 1);
        _fixture.Fill(1024, 512, 0);
        _fixture.Set(300, 0, 0);

        var result = Scan();

        Assert.Equal(PageClass.Unproven, result.ClassOf(1024));
        Assert.Equal(PageClass.Unproven, result.ClassOf(1535));
        Assert.Equal(PageClass.Unproven, result.ClassOf(300));
        Assert.Equal(512UL, result.Tally.Blank);
        Assert.Equal(0UL, result.Counts[PageClass.Free]);
        Assert.Equal(513UL, result.Counts[PageClass.Unproven]);
        Assert.False(result.LazyInit.Holds);
    }

    [Theory]
    [InlineData(512, true)]
    [InlineData(511, false)]
    [InlineData(513, false)]
    [InlineData(0, false)]
    public void Blank_blocks_are_free_only_when_MemFree_minus_nr_free_pages_counts_exactly_them(int uninitialised, bool proven)
    {
        _fixture.Fill(0, 4096, UsedAnon, 1);
        _fixture.Fill(1024, 512, 0);
        _fixture.Fill(2048, 8, Buddy);
        _fixture.Set(300, 0, 0);
        _fixture.WriteText("meminfo", $"MemTotal:       16384 kB\nMemFree:        {(uninitialised + 8) * 4} kB\n");
        _fixture.WriteText("vmstat", "nr_free_pages 8\nnr_free_pages_blocks 0\n");

        var result = Scan();

        Assert.Equal(proven, result.LazyInit.Holds);
        Assert.Equal(proven ? PageClass.Free : PageClass.Unproven, result.ClassOf(1024));
        Assert.Equal(PageClass.Unproven, result.ClassOf(300));
        Assert.Equal(proven ? 520UL : 8UL, result.Counts[PageClass.Free]);
        Assert.Equal((ulong)uninitialised, result.LazyInit.UninitialisedAfter);
    }

    [Theory]
    [InlineData(Lru | Active | Referenced, PageClass.Hot)]
    [InlineData(Lru | Active, PageClass.Active)]
    [InlineData(Lru | Uptodate, PageClass.Cache)]
    [InlineData(Lru | Uptodate | Referenced, PageClass.Cache)]
    [InlineData(Lru | Uptodate | Dirty, PageClass.Inactive)]
    [InlineData(Lru | Uptodate | Mmap, PageClass.Inactive)]
    [InlineData(Lru | Anon | SwapBacked, PageClass.Inactive)]
    [InlineData(Lru | SwapBacked, PageClass.Inactive)]
    [InlineData(Lru | Unevictable, PageClass.Inactive)]
    [InlineData(Lru | Writeback, PageClass.Inactive)]
    [InlineData(Slab, PageClass.Kernel)]
    [InlineData(PageTable, PageClass.Kernel)]
    [InlineData(Reserved, PageClass.Kernel)]
    [InlineData(ZeroPage | Reserved, PageClass.Kernel)]
    public void Lru_and_kernel_flags_give_their_class(ulong flags, PageClass expected)
    {
        _fixture.Fill(0, 4096, Slab);
        _fixture.Set(777, flags, 1);

        var result = Scan();

        Assert.Equal(expected, result.ClassOf(777));
    }

    [Fact]
    public void A_thp_counts_every_frame_on_the_lru_like_meminfo_does()
    {
        _fixture.Fill(0, 4096, UsedAnon, 1);
        _fixture.Set(1024, Lru | Anon | SwapBacked | Mmap | Active | CompoundHead | Thp, 1);
        _fixture.Fill(1025, 511, CompoundTail | Thp);

        var result = Scan();

        Assert.Equal(512UL, result.Tally.LruActive);
        Assert.Equal(PageClass.Active, result.ClassOf(1535));
    }

    [Fact]
    public void Compound_tails_inherit_their_heads_class_even_across_blocks_and_chunks()
    {
        _fixture.Fill(0, 4096, Lru | Uptodate);
        // A slab folio whose tails say nothing but "tail".
        _fixture.Set(100, Slab | CompoundHead);
        _fixture.Fill(101, 7, CompoundTail);
        // A THP straddling the block (512) and chunk (1024) boundary; tails carry only the tail bit.
        _fixture.Set(1020, Lru | Anon | SwapBacked | Mmap | Active | Referenced | CompoundHead | Thp, 1);
        _fixture.Fill(1021, 511, CompoundTail | Thp);
        // A mapped hugetlb page.
        _fixture.Set(2048, Huge | CompoundHead, 1);
        _fixture.Fill(2049, 511, Huge | CompoundTail);
        // A poisoned tail stays unbacked.
        _fixture.Set(2100, Huge | CompoundTail | HwPoison);

        var result = Scan(new FrameScannerOptions { ChunkFrames = 1024 });

        Assert.All(Enumerable.Range(100, 8), pfn => Assert.Equal(PageClass.Kernel, result.ClassOf((ulong)pfn)));
        Assert.All(Enumerable.Range(1020, 512), pfn => Assert.Equal(PageClass.Hot, result.ClassOf((ulong)pfn)));
        Assert.Equal(PageClass.Active, result.ClassOf(2048));
        Assert.Equal(PageClass.Active, result.ClassOf(2099));
        Assert.Equal(PageClass.Unbacked, result.ClassOf(2100));
        Assert.Equal(PageClass.Active, result.ClassOf(2101));
        Assert.Equal(PageClass.Cache, result.ClassOf(2560));
    }

    [Fact]
    public void Frames_past_the_end_of_kpageflags_are_sent_never_skipped()
    {
        _fixture.Fill(0, 4096, Slab);
        _fixture.Write(maxPfn: 3000);

        using var scanner = new FrameScanner(_fixture.Paths);
        var result = scanner.Scan();

        Assert.Equal(PageClass.Kernel, result.ClassOf(2999));
        Assert.Equal(PageClass.Kernel, result.ClassOf(3000));
        Assert.Equal(0UL, result.Counts[PageClass.Unbacked]);
    }

    [Fact]
    public void Counts_add_up_and_the_map_agrees_with_the_scan()
    {
        var random = new Random(7);
        ulong[] choices = [0, Buddy, Slab, Lru | Active | Referenced, Lru | Active, Lru | Uptodate, Lru | Anon | SwapBacked | Mmap, Offline];
        for (var pfn = 0UL; pfn < 4096; pfn++)
        {
            // Runs of 1-40 frames so the map has both long and short runs.
            var flags = choices[random.Next(choices.Length)];
            var length = Math.Min(4096 - pfn, (ulong)random.Next(1, 40));
            _fixture.Fill(pfn, length, flags, flags == 0 ? 0UL : 1UL);
            pfn += length - 1;
        }

        var result = Scan();
        var map = result.ToMap();

        Assert.Equal(result.TotalFrames, result.Counts.Total);
        Assert.Equal(result.TotalFrames, map.TotalFrames);
        foreach (var pageClass in ClassCounts.Ordered)
        {
            Assert.Equal(result.Counts[pageClass], map.CountOf(pageClass));
        }
        for (var pfn = 0UL; pfn < 4096; pfn += 13)
        {
            Assert.Equal(result.ClassOf(pfn), map.ClassOf(pfn));
        }
        Assert.Equal(1UL, map.Epoch.Sequence);
        Assert.NotNull(map.RunHeat);
        Assert.Equal(255, map.RunHeat![map.RunIndexOf(FindFirst(result, PageClass.Hot))]);
    }

    [Fact]
    public void Rescans_allocate_nothing_and_advance_the_epoch()
    {
        _fixture.Fill(0, 4096, UsedAnon, 1);
        _fixture.Fill(512, 1024, Buddy);
        _fixture.Write();
        using var scanner = new FrameScanner(_fixture.Paths);
        var first = scanner.Scan();
        var firstNs = first.MonotonicNs;

        var before = GC.GetAllocatedBytesForCurrentThread();
        var second = scanner.Scan();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Same(first, second);
        Assert.Equal(2UL, second.Sequence);
        Assert.True(second.MonotonicNs >= firstNs);
    }

    [Fact]
    public void Chunk_size_must_be_a_multiple_of_the_block()
    {
        _fixture.Write();
        Assert.Throws<ArgumentException>(() => new FrameScanner(_fixture.Paths, new FrameScannerOptions { ChunkFrames = 1000 }));
    }

    [Fact]
    public void An_iomem_without_system_ram_is_a_clear_error()
    {
        _fixture.Write();
        _fixture.WriteText("iomem", "00000000-00000000 : System RAM\n");
        var error = Assert.Throws<InvalidDataException>(() => new FrameScanner(_fixture.Paths));
        Assert.Contains("System RAM", error.Message, StringComparison.Ordinal);
    }

    private static ulong FindFirst(FrameScanResult result, PageClass pageClass)
    {
        for (var pfn = 0UL; pfn < result.TotalFrames; pfn++)
        {
            if (result.ClassOf(pfn) == pageClass)
            {
                return pfn;
            }
        }
        throw new InvalidOperationException($"no {pageClass} frame");
    }
}
