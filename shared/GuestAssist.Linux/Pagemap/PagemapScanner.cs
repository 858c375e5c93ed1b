using Microsoft.Win32.SafeHandles;
using GuestAssist.Linux.Errors;
using GuestAssist.Linux.Interop;

namespace GuestAssist.Linux.Pagemap;

/// <summary>PAGEMAP_SCAN over /proc/&lt;pid&gt;/pagemap (this process by default).</summary>
internal sealed class PagemapScanner : IDisposable
{
    private readonly SafeFileHandle _pagemap;

    public PagemapScanner(int? processId = null)
    {
        Path = processId is { } pid ? $"/proc/{pid}/pagemap" : "/proc/self/pagemap";
        _pagemap = File.OpenHandle(Path, FileMode.Open, FileAccess.Read);
    }

    public string Path { get; }

    /// <summary>
    /// One PAGEMAP_SCAN ioctl over [start, end): fills <paramref name="regions"/> with ranges whose categories
    /// match (category_mask = <paramref name="required"/>), reporting <paramref name="returnMask"/>.
    /// Call again from WalkEnd while WalkEnd &lt; end (the buffer filled up).
    /// </summary>
    public unsafe PagemapScanResult Scan(ulong start, ulong end, Span<PageRegion> regions, PagemapScanFlags flags, PageCategories required, PageCategories returnMask, ulong maxPages = 0)
    {
        fixed (PageRegion* vector = regions)
        {
            var arg = new PmScanArg
            {
                Size = (ulong)sizeof(PmScanArg),
                Flags = (ulong)flags,
                Start = start,
                End = end,
                Vector = (ulong)vector,
                VectorLength = (ulong)regions.Length,
                MaxPages = maxPages,
                CategoryMask = (ulong)required,
                ReturnMask = (ulong)returnMask,
            };
            // SAFETY: the 96-byte arg is on this frame; the kernel writes at most VectorLength regions into the pinned span.
            var rc = Libc.Ioctl(_pagemap, PmScanArg.Request, &arg);
            if (rc < 0)
            {
                LinuxException.ThrowLast("PAGEMAP_SCAN", Path, $"0x{start:x}..0x{end:x}");
            }
            return new PagemapScanResult(rc, arg.WalkEnd);
        }
    }

    public void Dispose() => _pagemap.Dispose();
}
