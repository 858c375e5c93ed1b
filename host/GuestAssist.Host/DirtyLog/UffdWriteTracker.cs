using System.Diagnostics;
using GuestAssist.Host.Destination;
using GuestAssist.Host.Layout;
using GuestAssist.Linux.Pagemap;
using GuestAssist.Linux.Userfaultfd;

namespace GuestAssist.Host.DirtyLog;

/// <summary>
/// Exact write tracking of a VM's memory without soft-dirty: every region is registered in WP mode on a uffd
/// created with WP_ASYNC|WP_UNPOPULATED and write-protected; the kernel then resolves write faults itself
/// (no handler thread) and marks the pages written. <see cref="Collect"/> runs PAGEMAP_SCAN on the memory
/// owner's /proc/&lt;pid&gt;/pagemap, which reports the written ranges. Works on another process's memory when
/// that process hands over its uffd (SCM_RIGHTS).
/// <para>
/// Every write-protected page the guest writes costs its vCPU a fault (2-6 µs of system time each on this project's
/// development VM), so pages are protected again only where a second write must be seen: by
/// <see cref="Mark"/> (all of them), <see cref="CollectWindow"/> (what the window found) and <see cref="SampleWindow"/>
/// (a fixed 1/<see cref="SampleStride"/> of the frames). The log since the start needs none: a page written once
/// stays written.
/// </para>
/// </summary>
public sealed class UffdWriteTracker : IDirtyLog, IDisposable
{
    /// <summary>One frame in this many is in <see cref="SampleWindow"/>'s sample (as in QEMU's calc-dirty-rate, a fixed sample of pages).</summary>
    public const int SampleStride = 1 << SampleShift;

    private const int RegionBatch = 512;
    private const int SampleShift = 6;

    private readonly Userfaultfd _uffd;
    private readonly PagemapScanner _scanner;
    private readonly GuestMemoryLayout _layout;
    private readonly AtomicBitmap _dirty;
    private readonly PageRegion[] _regions = new PageRegion[RegionBatch];
    private readonly Lock _collectLock = new();
    private readonly double _framesPerSample;
    private long? _sealedAt;
    private volatile AtomicBitmap? _writtenSinceMark;

    private UffdWriteTracker(Userfaultfd uffd, PagemapScanner scanner, GuestMemoryLayout layout)
    {
        _uffd = uffd;
        _scanner = scanner;
        _layout = layout;
        _dirty = new AtomicBitmap(layout.TotalFrames);
        foreach (var region in layout.Regions)
        {
            _uffd.Register(region.HostAddress, region.Size, UffdRegisterMode.WriteProtect);
            _uffd.WriteProtect(region.HostAddress, region.Size, protect: true);
        }
        TrackingStartedAt = Stopwatch.GetTimestamp();
        var sampled = layout.Regions.Sum(r => (double)CountSampled(r.GuestPhysicalAddress >> layout.PageShift, r.Size >> layout.PageShift));
        _framesPerSample = sampled == 0 ? 0 : layout.Regions.Sum(r => (double)(r.Size >> layout.PageShift)) / sampled;
    }

    public ulong TotalFrames => _layout.TotalFrames;

    /// <summary>Bytes per frame of the tracked layout.</summary>
    public uint PageSize => _layout.PageSize;

    public long TrackingStartedAt { get; }

    public long? SealedAt => _sealedAt;

    /// <summary>Frames seen written so far.</summary>
    public long DirtyCount => _dirty.Count;

    /// <summary>Tracks memory of this process (the layout's host addresses are ours).</summary>
    public static UffdWriteTracker ForCurrentProcess(GuestMemoryLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var uffd = Userfaultfd.Create(UffdFeatures.WpAsync | UffdFeatures.WpUnpopulated);
        return Build(uffd, processId: null, layout);
    }

    /// <summary>
    /// Tracks memory of process <paramref name="processId"/>, which created <paramref name="uffd"/> with
    /// WP_ASYNC|WP_UNPOPULATED and handed it over; the layout's host addresses are in that process.
    /// The tracker owns the uffd from now on.
    /// </summary>
    public static UffdWriteTracker ForProcess(int processId, Userfaultfd uffd, GuestMemoryLayout layout)
    {
        ArgumentNullException.ThrowIfNull(uffd);
        ArgumentNullException.ThrowIfNull(layout);
        return Build(uffd, processId, layout);
    }

    public bool IsDirty(ulong gfn) => _dirty.IsSet(gfn);

    /// <summary>
    /// Collects, write-protecting every written page again, then starts a second record of writes from now on
    /// (<see cref="WrittenSinceMark"/>), next to the log since the start: what a hybrid push needs to know which pages it
    /// read changed before switchover. One mark per tracker.
    /// </summary>
    public void Mark()
    {
        lock (_collectLock)
        {
            if (_writtenSinceMark is not null)
            {
                throw new InvalidOperationException("the write tracker was marked already");
            }
            Scan(rearm: true, null);
            _writtenSinceMark = new AtomicBitmap(_layout.TotalFrames);
        }
    }

    /// <summary>True if the frame was written after <see cref="Mark"/> (as of the last collect); false before any mark.</summary>
    public bool WrittenSinceMark(ulong gfn) => _writtenSinceMark?.IsSet(gfn) ?? false;

    /// <summary>Brings the log since the start up to date; protects nothing again.</summary>
    public void Collect()
    {
        lock (_collectLock)
        {
            Scan(rearm: false, null);
        }
    }

    /// <summary>
    /// Collects, and returns the frames written since the previous window or mark (what it found is write-protected
    /// again, so a page rewritten in every window shows in every window): the window a dirty-rate feed sends.
    /// </summary>
    public IReadOnlyList<(ulong FirstGfn, ulong Count)> CollectWindow()
    {
        var window = new List<(ulong FirstGfn, ulong Count)>();
        lock (_collectLock)
        {
            Scan(rearm: true, window);
        }
        return window;
    }

    /// <summary>
    /// Collects, and estimates how many frames were written since the previous sample from the sampled frames among
    /// them (1 in <see cref="SampleStride"/>, picked by a hash of the frame number so no stride of the guest's writes
    /// lines up with it); only those are write-protected again, so measuring a rate costs the guest a fault per
    /// sampled page it rewrites, not per page. Rewrites count, as in <see cref="CollectWindow"/>.
    /// </summary>
    public double SampleWindow()
    {
        var written = new List<(ulong FirstGfn, ulong Count)>();
        long sampledWritten = 0;
        lock (_collectLock)
        {
            Scan(rearm: false, written);
            foreach (var (first, count) in written)
            {
                for (var gfn = first; gfn < first + count; gfn++)
                {
                    if (IsSampled(gfn))
                    {
                        _uffd.WriteProtect(_layout.HostAddressOf(gfn), _layout.PageSize, protect: true);
                        sampledWritten++;
                    }
                }
            }
        }
        return sampledWritten * _framesPerSample;
    }

    private void Scan(bool rearm, List<(ulong FirstGfn, ulong Count)>? found)
    {
        if (_sealedAt is not null)
        {
            return;
        }
        var flags = rearm ? PagemapScanFlags.WpMatching | PagemapScanFlags.CheckWpAsync : PagemapScanFlags.CheckWpAsync;
        foreach (var region in _layout.Regions)
        {
            var start = region.HostAddress;
            var end = region.HostEnd;
            while (start < end)
            {
                var result = _scanner.Scan(start, end, _regions, flags, PageCategories.Written, PageCategories.Written);
                for (var i = 0; i < result.Regions; i++)
                {
                    var (first, count) = MarkDirty(region, _regions[i].Start, _regions[i].End);
                    found?.Add((first, count));
                }
                if (result.WalkEnd <= start)
                {
                    break;
                }
                start = result.WalkEnd;
            }
        }
    }

    private static bool IsSampled(ulong gfn) => (gfn * 0x9E3779B97F4A7C15UL) >> (64 - SampleShift) == 0;

    private static ulong CountSampled(ulong firstGfn, ulong count)
    {
        ulong sampled = 0;
        for (var gfn = firstGfn; gfn < firstGfn + count; gfn++)
        {
            sampled += IsSampled(gfn) ? 1UL : 0;
        }
        return sampled;
    }

    public void Seal()
    {
        lock (_collectLock)
        {
            Scan(rearm: false, null);
            _sealedAt ??= Stopwatch.GetTimestamp();
        }
    }

    public void Dispose()
    {
        _scanner.Dispose();
        _uffd.Dispose();
    }

    private static UffdWriteTracker Build(Userfaultfd uffd, int? processId, GuestMemoryLayout layout)
    {
        if (layout.Regions.Any(r => r.HostAddress == 0))
        {
            uffd.Dispose();
            throw new LayoutException("a write tracker needs the host address of every region");
        }
        PagemapScanner? scanner = null;
        try
        {
            scanner = new PagemapScanner(processId);
            return new UffdWriteTracker(uffd, scanner, layout);
        }
        catch
        {
            scanner?.Dispose();
            uffd.Dispose();
            throw;
        }
    }

    private (ulong First, ulong Count) MarkDirty(MemoryRegion region, ulong start, ulong end)
    {
        var first = (region.GuestPhysicalAddress + (start - region.HostAddress)) >> _layout.PageShift;
        var count = (end - start + _layout.PageSize - 1) >> _layout.PageShift;
        _dirty.SetRange(first, count);
        _writtenSinceMark?.SetRange(first, count);
        return (first, count);
    }
}
