using GuestAssist.Linux.Memory;
using GuestAssist.Linux.Pagemap;
using GuestAssist.Linux.Tests.Userfaultfd;
using GuestAssist.Linux.Userfaultfd;
using Uffd = GuestAssist.Linux.Userfaultfd.Userfaultfd;

namespace GuestAssist.Linux.Tests.Pagemap;

public class PagemapScannerTests
{
    private const ulong Page = 4096;

    [UffdFact]
    public void Async_write_protect_scan_returns_exactly_the_written_pages_and_reprotects_them()
    {
        using var memory = MappedMemory.Anonymous(64 * Page);
        using var uffd = Uffd.Create(UffdFeatures.WpAsync | UffdFeatures.WpUnpopulated);
        uffd.Register(memory.Address64, memory.Length, UffdRegisterMode.WriteProtect);
        uffd.WriteProtect(memory.Address64, memory.Length, protect: true);
        using var scanner = new PagemapScanner();
        var regions = new PageRegion[16];

        NativeAccess.Fill(memory.Address64 + (3 * Page), 1, 1);
        NativeAccess.Fill(memory.Address64 + (10 * Page), 1, 3 * Page);
        _ = NativeAccess.ReadByte(memory.Address64 + (20 * Page));

        var result = Scan(scanner, memory, regions);
        Assert.Equal(memory.Address64 + memory.Length, result.WalkEnd);
        Assert.Equal(
            [(memory.Address64 + (3 * Page), memory.Address64 + (4 * Page)), (memory.Address64 + (10 * Page), memory.Address64 + (13 * Page))],
            regions[..result.Regions].Select(r => (r.Start, r.End)));
        Assert.All(regions[..result.Regions], r => Assert.Equal(PageCategories.Written, r.Categories));

        Assert.Equal(0, Scan(scanner, memory, regions).Regions);
        NativeAccess.Fill(memory.Address64 + (11 * Page), 2, 1);
        result = Scan(scanner, memory, regions);
        Assert.Equal((memory.Address64 + (11 * Page), memory.Address64 + (12 * Page)), (regions[0].Start, regions[0].End));
        Assert.Equal(1, result.Regions);
    }

    private static PagemapScanResult Scan(PagemapScanner scanner, MappedMemory memory, PageRegion[] regions) =>
        scanner.Scan(
            memory.Address64,
            memory.Address64 + memory.Length,
            regions,
            PagemapScanFlags.WpMatching | PagemapScanFlags.CheckWpAsync,
            PageCategories.Written,
            PageCategories.Written);
}
