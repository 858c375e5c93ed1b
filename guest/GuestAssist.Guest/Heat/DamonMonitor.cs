using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using GuestAssist.Guest.Attribution;
using GuestAssist.Guest.ProcFs;
using GuestAssist.Linux.KernelFiles;
using GuestAssist.Protocol.V1;
using Microsoft.Win32.SafeHandles;

namespace GuestAssist.Guest.Heat;

/// <summary>
/// Heat from DAMON through /sys/kernel/mm/damon/admin, the agent's own kdamonds for the window of one sample
/// (no kernel thread runs between map requests):
/// <list type="bullet">
/// <item>kdamond 0 watches the physical address space ("paddr"; in a guest GFN = PFN), for every frame;</item>
/// <item>kdamonds 1..N each watch the virtual address space ("vaddr") of one of the N biggest processes. Their
/// verdict wins for every frame those processes map: a process's hot and cold data are contiguous in its own
/// address space but may interleave physically, where paddr regions cannot tell them apart. Pages are mapped
/// to frames through pagemap at the end of the window.</item>
/// </list>
/// Every region with accesses in any aggregation of the window is hot, so a page touched once is caught even
/// when DAMON's sampling misses it in one aggregation; regions start pre-split (DAMON only doubles them once per
/// aggregation, and one coarse region would call everything around the hot set hot). The agent writes under
/// the sysfs interface only when it holds no kdamond (writing nr_kdamonds would tear down another user's),
/// records its kdamonds' pids in a journal so a restarted agent removes leftovers (and only its own), and turns
/// them off and removes them when the window ends or on dispose.
/// </summary>
public sealed class DamonMonitor : IHeatMonitor
{
    private const int PagemapWords = 16 * 1024;
    private const int PageShift = 12;

    private readonly ProcFsPaths _paths;
    private readonly IReadOnlyList<PfnRange> _ranges;
    private readonly DamonOptions _options;
    private readonly HeatHistory _history;
    private readonly ulong[] _physicalHot;
    private readonly ulong[] _covered;
    private readonly ulong[] _pagemap = new ulong[PagemapWords];
    private readonly List<VirtualTarget> _targets = [];
    private readonly List<string> _stateFiles = [];
    private long[] _answeredAt = [];
    private int[] _order = [];
    private readonly List<List<(string Start, string End)>> _regionFiles = [];
    private int _kdamonds;
    private bool _running;
    private TimeSpan _aggregation;
    private TimeSpan _longestWait;
    private int _regionsRead;

    private DamonMonitor(ProcFsPaths paths, IReadOnlyList<PfnRange> ranges, DamonOptions options)
    {
        _paths = paths;
        _ranges = ranges;
        _options = options;
        _history = new HeatHistory(ranges.Count == 0 ? 0 : ranges[^1].End);
        _physicalHot = new ulong[_history.Now.Length];
        _covered = new ulong[_history.Now.Length];
    }

    /// <summary>Set to "off" to keep the agent away from DAMON whatever the kernel offers (CI and development hosts set it).</summary>
    public const string DisableVariable = "GUESTASSIST_DAMON";

    public HeatMethod Method => HeatMethod.Damon;

    public string Cost =>
        $"1 + up to {_options.VirtualTargets} kdamond kernel threads for the window only, each checking up to {_options.MaxRegions} regions "
        + $"every {_options.Sample.TotalMilliseconds:0} ms (an rmap or page-table walk per check), one aggregation per window of at most "
        + $"{_options.MaxAggregation.TotalSeconds:0} s; the agent writes the regions once (~3 system calls each), reads the accessed ones once per "
        + "aggregation and the targets' pagemap once per window (measured in guests under TCG: about 1% of a vCPU while it monitors)";

    /// <summary>
    /// A monitor when DAMON can be driven here, or null and why not. Never writes when another user holds
    /// the interface: on the development machines the infrastructure runs kdamond.0.
    /// </summary>
    public static DamonMonitor? TryCreate(ProcFsPaths paths, IReadOnlyList<PfnRange> ranges, DamonOptions? options, out string reason)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(ranges);
        options ??= new DamonOptions();
        if (Environment.GetEnvironmentVariable(DisableVariable) == "off")
        {
            reason = $"DAMON disabled by {DisableVariable}=off: not touched";
            return null;
        }
        var admin = paths.DamonAdmin;
        var countFile = Path.Combine(admin, "kdamonds", "nr_kdamonds");
        if (!File.Exists(countFile))
        {
            reason = $"{admin} missing (CONFIG_DAMON_SYSFS off)";
            return null;
        }
        try
        {
            var existing = SysfsFile.ReadNumber(countFile);
            if (existing != 0 && !RemoveOwnLeftovers(admin, options.JournalPath, existing))
            {
                reason = $"DAMON is in use by another user ({existing} kdamond(s) under {admin}): not touched";
                return null;
            }
            if (existing == 0 && ForeignKdamond(paths) is { } thread)
            {
                reason = $"DAMON is in use outside its sysfs interface ({thread} runs): not touched";
                return null;
            }
            reason = "DAMON";
            return new DamonMonitor(paths, ranges, options);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            reason = $"DAMON could not be checked: {e.Message}";
            return null;
        }
    }

    public async Task<WorkingSet> SampleAsync(TimeSpan window, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var cpuAtStart = Environment.CpuUsage.TotalTime;
        _history.BeginWindow();
        Array.Clear(_physicalHot);
        Array.Clear(_covered);
        _regionsRead = 0;
        _answeredAt = []; // new kdamonds: the first round asks them in the order they start
        try
        {
            if (SysfsFile.ReadNumber(Path.Combine(_paths.DamonAdmin, "kdamonds", "nr_kdamonds")) != 0 || ForeignKdamond(_paths) is not null)
            {
                throw new IOException("another DAMON user started a kdamond since the agent checked");
            }
            await StartAsync(_options.AggregationFor(window), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            Dispose();
            _history.EndWindow();
            return WorkingSet.FromLruFlags($"DAMON could not start ({e.Message}): LRU flags");
        }
        var cpuAfterSetup = Environment.CpuUsage.TotalTime;
        var rounds = 0;
        string? failure = null;
        // The window is watched in full after the kdamonds run; the reported duration includes their setup.
        var watching = Stopwatch.GetTimestamp();
        try
        {
            do
            {
                cancellationToken.ThrowIfCancellationRequested();
                try
                {
                    await ReadAggregationAsync().ConfigureAwait(false);
                    rounds++;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
                {
                    failure = e.Message;
                    break;
                }
            }
            while (Stopwatch.GetElapsedTime(watching) < window);
        }
        finally
        {
            Dispose();
        }
        var watched = Stopwatch.GetElapsedTime(watching);
        var cpuAfterReads = Environment.CpuUsage.TotalTime;
        var physicalOnly = Combine();
        _history.EndWindow();
        var cpu = $"agent CPU {(cpuAfterSetup - cpuAtStart).TotalMilliseconds:0} ms to start, {(cpuAfterReads - cpuAfterSetup).TotalMilliseconds:0} ms reading regions, "
            + $"{(Environment.CpuUsage.TotalTime - cpuAfterReads).TotalMilliseconds:0} ms mapping pages to frames";
        var reason = failure is null
            ? $"DAMON: paddr for all frames, vaddr for {_targets.Count} biggest processes ({string.Join(", ", _targets.Select(t => t.Pid))}; "
              + $"{physicalOnly} hot frames from paddr alone); {rounds} aggregations of {_aggregation.TotalMilliseconds:0} ms, {_regionsRead} accessed regions read, "
              + $"a later kdamond's answer waited up to {_longestWait.TotalMilliseconds:0} ms; {cpu}"
            : $"DAMON stopped answering ({failure}) after {rounds} aggregations; {cpu}";
        return new WorkingSet(Method, _history.Now, _history.Recent, Stopwatch.GetElapsedTime(started), reason, Cost) { SetupCpu = cpuAfterSetup - cpuAtStart, WatchCpu = cpuAfterReads - cpuAfterSetup, Watched = watched };
    }

    public void Dispose()
    {
        if (_running)
        {
            _running = false;
            TryStop(_paths.DamonAdmin, _options.JournalPath);
        }
    }

    private string Kdamond(int index) => Path.Combine(_paths.DamonAdmin, "kdamonds", index.ToString(CultureInfo.InvariantCulture));

    private string Context(int index) => Path.Combine(Kdamond(index), "contexts", "0");

    private async Task StartAsync(TimeSpan aggregation, CancellationToken cancellationToken)
    {
        _aggregation = aggregation;
        _longestWait = TimeSpan.Zero;
        var admin = _paths.DamonAdmin;
        _targets.Clear();
        foreach (var pid in BiggestProcesses(_options.VirtualTargets))
        {
            try
            {
                var mappings = ResidentMappings.Read(_paths, pid);
                if (mappings.Count > 0)
                {
                    _targets.Add(new VirtualTarget(pid, mappings));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone or hidden: paddr still covers its frames.
            }
        }
        Directory.CreateDirectory(Path.GetDirectoryName(_options.JournalPath)!);
        File.WriteAllText(_options.JournalPath, "starting\n");
        _kdamonds = 1 + _targets.Count;
        _running = true;
        SysfsFile.Write(Path.Combine(admin, "kdamonds", "nr_kdamonds"), (ulong)_kdamonds);
        Configure(0, "paddr", InitialRegions(_ranges, _options.MinRegions));
        for (var i = 0; i < _targets.Count; i++)
        {
            var target = _targets[i];
            Configure(i + 1, "vaddr", SplitMappings(target.Mappings, _options.MaxRegions / 4), target.Pid);
        }
        var pids = new List<string>();
        for (var k = 0; k < _kdamonds; k++)
        {
            if (k > 0)
            {
                await Task.Delay(_options.Stagger, cancellationToken).ConfigureAwait(false);
            }
            SysfsFile.Write(Path.Combine(Kdamond(k), "state"), "on");
            pids.Add(SysfsFile.ReadText(Path.Combine(Kdamond(k), "pid")));
        }
        // The journal names the kdamonds' pids: a later agent removes them only if they are these.
        File.WriteAllLines(_options.JournalPath, pids);
    }

    /// <summary>One kdamond: operations, intervals, regions (in frames for paddr, pages for vaddr) and a "stat" scheme.</summary>
    private void Configure(int index, string operations, List<PfnRange> regions, int pid = 0)
    {
        var kdamond = Kdamond(index);
        var context = Context(index);
        SysfsFile.Write(Path.Combine(kdamond, "contexts", "nr_contexts"), 1);
        SysfsFile.Write(Path.Combine(context, "operations"), operations);
        var intervals = Path.Combine(context, "monitoring_attrs", "intervals");
        SysfsFile.Write(Path.Combine(intervals, "sample_us"), (ulong)(_options.Sample.Ticks / 10));
        SysfsFile.Write(Path.Combine(intervals, "aggr_us"), (ulong)(_aggregation.Ticks / 10));
        SysfsFile.Write(Path.Combine(intervals, "update_us"), (ulong)(_aggregation.Ticks / 10));
        var nrRegions = Path.Combine(context, "monitoring_attrs", "nr_regions");
        SysfsFile.Write(Path.Combine(nrRegions, "max"), (ulong)Math.Max(_options.MaxRegions, regions.Count));
        SysfsFile.Write(Path.Combine(nrRegions, "min"), (ulong)Math.Min(_options.MinRegions, Math.Max(3, regions.Count)));
        SysfsFile.Write(Path.Combine(context, "targets", "nr_targets"), 1);
        var target = Path.Combine(context, "targets", "0");
        if (pid != 0)
        {
            SysfsFile.Write(Path.Combine(target, "pid_target"), (ulong)pid);
        }
        SysfsFile.Write(Path.Combine(target, "regions", "nr_regions"), (ulong)regions.Count);
        for (var i = 0; i < regions.Count; i++)
        {
            var region = Path.Combine(target, "regions", i.ToString(CultureInfo.InvariantCulture));
            SysfsFile.Write(Path.Combine(region, "start"), regions[i].Start << PageShift);
            SysfsFile.Write(Path.Combine(region, "end"), regions[i].End << PageShift);
        }
        SysfsFile.Write(Path.Combine(context, "schemes", "nr_schemes"), 1);
        var scheme = Path.Combine(context, "schemes", "0");
        SysfsFile.Write(Path.Combine(scheme, "action"), "stat");
        var pattern = Path.Combine(scheme, "access_pattern");
        SysfsFile.Write(Path.Combine(pattern, "sz", "min"), 0);
        SysfsFile.Write(Path.Combine(pattern, "sz", "max"), ulong.MaxValue);
        // Only accessed regions are listed: two files read per hot region. What a vaddr target maps but is not
        // listed is cold; its mappings (read at start) say what it covers.
        SysfsFile.Write(Path.Combine(pattern, "nr_accesses", "min"), 1);
        SysfsFile.Write(Path.Combine(pattern, "nr_accesses", "max"), uint.MaxValue);
        SysfsFile.Write(Path.Combine(pattern, "age", "min"), 0);
        SysfsFile.Write(Path.Combine(pattern, "age", "max"), uint.MaxValue);
    }

    /// <summary>
    /// Asks every kdamond for its regions and records the accessed ones. The update command returns when the
    /// kdamond reaches its next aggregation (the kernel polls for that every 100 ms), so the calls pace the loop.
    /// DAMON's sysfs takes one command at a time (EBUSY otherwise), so the kdamonds are asked in turn, in the
    /// order they were started <see cref="DamonOptions.Stagger"/> apart: each one's boundary comes after the
    /// previous one's answer, instead of just before it, which would cost a whole extra aggregation.
    /// </summary>
    private async Task ReadAggregationAsync()
    {
        // Each kdamond's boundaries drift by its own sampling work, so after the first round they are asked in the
        // order they last answered: the order of their next boundaries.
        if (_answeredAt.Length != _kdamonds)
        {
            _answeredAt = new long[_kdamonds];
            _order = [.. Enumerable.Range(0, _kdamonds)];
        }
        else
        {
            var keys = new long[_kdamonds];
            for (var i = 0; i < _kdamonds; i++)
            {
                keys[i] = _answeredAt[_order[i]];
            }
            Array.Sort(keys, _order);
        }
        for (var position = 0; position < _kdamonds; position++)
        {
            var k = _order[position];
            var asked = Stopwatch.GetTimestamp();
            var state = StateFile(k);
            await Task.Run(() => SysfsFile.Write(state, "update_schemes_tried_regions")).ConfigureAwait(false);
            _answeredAt[k] = Stopwatch.GetTimestamp();
            if (position > 0 && Stopwatch.GetElapsedTime(asked) is var waited && waited > _longestWait)
            {
                _longestWait = waited;
            }
            // The regions are numbered 0..n-1; the first missing one ends the list. Their paths are built once and
            // kept: this loop runs every aggregation, and what it allocates the agent writes (invariant 5).
            for (var i = 0; ; i++)
            {
                var (startFile, endFile) = RegionFiles(k, i);
                if (!SysfsFile.TryReadNumber(startFile, out var startAddress))
                {
                    break;
                }
                _regionsRead++;
                var start = startAddress >> PageShift;
                var end = (SysfsFile.ReadNumber(endFile) + 4095) >> PageShift;
                if (k == 0)
                {
                    SetRange(_physicalHot, start, end);
                }
                else
                {
                    _targets[k - 1].Hot.Add(new PfnRange(start, end));
                }
            }
        }
    }

    private string StateFile(int kdamond)
    {
        while (_stateFiles.Count <= kdamond)
        {
            _stateFiles.Add(Path.Combine(Kdamond(_stateFiles.Count), "state"));
        }
        return _stateFiles[kdamond];
    }

    private (string Start, string End) RegionFiles(int kdamond, int index)
    {
        while (_regionFiles.Count <= kdamond)
        {
            _regionFiles.Add([]);
        }
        var files = _regionFiles[kdamond];
        while (files.Count <= index)
        {
            var region = Path.Combine(Context(kdamond), "schemes", "0", "tried_regions", files.Count.ToString(CultureInfo.InvariantCulture));
            files.Add((Path.Combine(region, "start"), Path.Combine(region, "end")));
        }
        return files[index];
    }

    /// <summary>now = (paddr hot, except frames a vaddr target maps) | frames of the targets' hot pages; returns the paddr-only count.</summary>
    private ulong Combine()
    {
        var now = _history.Now;
        foreach (var target in _targets)
        {
            MarkFrames(target.Pid, target.Mappings, _covered);
        }
        foreach (var target in _targets)
        {
            MarkFrames(target.Pid, Intersect(target.Mappings, target.Hot), now);
        }
        ulong physicalOnly = 0;
        for (var i = 0; i < now.Length; i++)
        {
            var fromPhysical = _physicalHot[i] & ~_covered[i];
            physicalOnly += (ulong)System.Numerics.BitOperations.PopCount(fromPhysical);
            now[i] |= fromPhysical;
        }
        return physicalOnly;
    }

    /// <summary>Sets the frame bit of every present page of <paramref name="pid"/> in the page ranges.</summary>
    private void MarkFrames(int pid, IEnumerable<(ulong Start, ulong End)> pages, ulong[] bitmap)
    {
        try
        {
            using var pagemap = File.OpenHandle(_paths.ProcessFile(pid, "pagemap"), FileMode.Open, FileAccess.Read);
            foreach (var (start, end) in pages)
            {
                MarkRange(pagemap, start, end, bitmap);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The process exited: its frames keep what paddr said.
        }
    }

    private void MarkRange(SafeFileHandle pagemap, ulong firstPage, ulong endPage, ulong[] bitmap)
    {
        var bytes = MemoryMarshal.AsBytes(_pagemap.AsSpan());
        for (var page = firstPage; page < endPage;)
        {
            var count = (int)Math.Min((ulong)PagemapWords, endPage - page);
            var read = RandomAccess.Read(pagemap, bytes[..(count * sizeof(ulong))], (long)(page * sizeof(ulong))) / sizeof(ulong);
            if (read <= 0)
            {
                return;
            }
            foreach (var entry in _pagemap.AsSpan(0, read))
            {
                if ((entry & PagemapEntry.Present) != 0 && (entry & PagemapEntry.PfnMask) is var pfn and not 0 && (pfn >> 6) < (ulong)bitmap.Length)
                {
                    bitmap[pfn >> 6] |= 1UL << (int)(pfn & 63);
                }
            }
            page += (ulong)read;
        }
    }

    private static IEnumerable<(ulong Start, ulong End)> Intersect(List<(ulong Start, ulong End)> mappings, List<PfnRange> hot)
    {
        foreach (var range in hot)
        {
            foreach (var (start, end) in mappings)
            {
                var from = Math.Max(start, range.Start);
                var to = Math.Min(end, range.End);
                if (from < to)
                {
                    yield return (from, to);
                }
            }
        }
    }

    private static void SetRange(ulong[] bitmap, ulong first, ulong end)
    {
        end = Math.Min(end, (ulong)bitmap.Length * 64);
        for (var pfn = first; pfn < end; pfn++)
        {
            if ((pfn & 63) == 0 && pfn + 64 <= end)
            {
                bitmap[pfn >> 6] = ulong.MaxValue;
                pfn += 63;
                continue;
            }
            bitmap[pfn >> 6] |= 1UL << (int)(pfn & 63);
        }
    }

    /// <summary>A running kdamond thread ("kdamond.N", from DAMON_RECLAIM, LRU_SORT or another tool) when the agent has none.</summary>
    private static string? ForeignKdamond(ProcFsPaths paths)
    {
        foreach (var directory in Directory.EnumerateDirectories(paths.ProcRoot))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                continue;
            }
            try
            {
                var command = SysfsFile.ReadText(Path.Combine(directory, "comm"));
                if (command.StartsWith("kdamond", StringComparison.Ordinal))
                {
                    return command;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
        return null;
    }

    /// <summary>The biggest user processes by resident pages (never the agent or init, never kernel threads).</summary>
    private List<int> BiggestProcesses(int count)
    {
        var sizes = new List<(int Pid, ulong Resident)>();
        foreach (var directory in Directory.EnumerateDirectories(_paths.ProcRoot))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                || pid == 1 || pid == Environment.ProcessId)
            {
                continue;
            }
            try
            {
                if (ResidentPages(Path.Combine(directory, "statm")) is var resident && resident >= _options.MinTargetPages)
                {
                    sizes.Add((pid, resident));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
        return [.. sizes.OrderByDescending(s => s.Resident).Take(count).Select(s => s.Pid)];
    }

    /// <summary>statm's second field (resident pages), read with three system calls.</summary>
    private static ulong ResidentPages(string statm)
    {
        Span<byte> text = stackalloc byte[128];
        var line = text[..KernelFile.Read(statm, text)];
        var space = line.IndexOf((byte)' ');
        if (space < 0)
        {
            return 0;
        }
        var rest = line[(space + 1)..];
        var end = rest.IndexOf((byte)' ');
        return System.Buffers.Text.Utf8Parser.TryParse(end < 0 ? rest : rest[..end], out ulong resident, out _) ? resident : 0;
    }

    /// <summary>Splits the RAM ranges into about <paramref name="count"/> pieces of equal size (at least one per range).</summary>
    internal static List<PfnRange> InitialRegions(IReadOnlyList<PfnRange> ranges, int count)
    {
        ulong total = 0;
        foreach (var range in ranges)
        {
            total += range.Length;
        }
        return Split(ranges.Select(r => (r.Start, r.End)), Math.Max(1, total / (ulong)Math.Max(1, count)));
    }

    /// <summary>Resident mappings in pieces of at least 4 MiB, fewer than <paramref name="maxPieces"/> in all.</summary>
    internal static List<PfnRange> SplitMappings(List<(ulong Start, ulong End)> mappings, int maxPieces)
    {
        ulong total = 0;
        foreach (var (start, end) in mappings)
        {
            total += end - start;
        }
        var size = Math.Max(1024UL, total / (ulong)Math.Max(1, maxPieces - mappings.Count));
        return Split(mappings, size);
    }

    private static List<PfnRange> Split(IEnumerable<(ulong Start, ulong End)> ranges, ulong size)
    {
        var pieces = new List<PfnRange>();
        foreach (var (first, last) in ranges)
        {
            for (var start = first; start < last; start += size)
            {
                var end = last - start < size * 2 ? last : start + size;
                pieces.Add(new PfnRange(start, end));
                if (end == last)
                {
                    break;
                }
            }
        }
        return pieces;
    }

    /// <summary>
    /// kdamonds whose pids all match the agent's journal are the leftovers of a crashed agent: remove them.
    /// Anything else belongs to someone else and is left alone.
    /// </summary>
    private static bool RemoveOwnLeftovers(string admin, string journal, ulong existing)
    {
        if (!File.Exists(journal))
        {
            return false;
        }
        var recorded = File.ReadAllLines(journal).Where(l => l.Length > 0).ToList();
        if ((ulong)recorded.Count != existing)
        {
            return false;
        }
        for (var k = 0; k < recorded.Count; k++)
        {
            var pidFile = Path.Combine(admin, "kdamonds", k.ToString(CultureInfo.InvariantCulture), "pid");
            if (!File.Exists(pidFile) || SysfsFile.ReadText(pidFile) != recorded[k] || recorded[k] == "-1")
            {
                return false;
            }
        }
        TryStop(admin, journal);
        return SysfsFile.ReadNumber(Path.Combine(admin, "kdamonds", "nr_kdamonds")) == 0;
    }

    private static void TryStop(string admin, string journal)
    {
        try
        {
            var count = SysfsFile.ReadNumber(Path.Combine(admin, "kdamonds", "nr_kdamonds"));
            for (var k = 0UL; k < count; k++)
            {
                var state = Path.Combine(admin, "kdamonds", k.ToString(CultureInfo.InvariantCulture), "state");
                if (File.Exists(state) && SysfsFile.ReadText(state) == "on")
                {
                    SysfsFile.Write(state, "off");
                    // kdamond stops asynchronously; nr_kdamonds refuses (EBUSY) until it has.
                    var deadline = Stopwatch.GetTimestamp() + 5 * Stopwatch.Frequency;
                    while (SysfsFile.ReadText(state) != "off" && Stopwatch.GetTimestamp() < deadline)
                    {
                        Thread.Sleep(20);
                    }
                }
            }
            SysfsFile.Write(Path.Combine(admin, "kdamonds", "nr_kdamonds"), 0);
            File.Delete(journal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            // Best effort: the journal stays, and the next start removes what is left.
        }
    }

    /// <summary>A process watched in its own address space: its resident mappings and the hot page ranges seen.</summary>
    private sealed record VirtualTarget(int Pid, List<(ulong Start, ulong End)> Mappings)
    {
        public List<PfnRange> Hot { get; } = [];
    }
}
