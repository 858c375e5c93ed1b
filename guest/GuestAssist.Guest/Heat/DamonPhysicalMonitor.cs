using System.Diagnostics;
using System.Globalization;
using GuestAssist.Guest.ProcFs;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Guest.Heat;

/// <summary>
/// Heat from DAMON over the physical address space (operations "paddr"; in a guest GFN = PFN), through
/// /sys/kernel/mm/damon/admin. The agent creates its own kdamond only when the sysfs interface holds none
/// (writing nr_kdamonds would tear down another user's), only for the window of one sample (no kernel thread
/// runs between map requests), records it in a journal so a restarted agent removes a leftover one, and turns
/// it off and removes it when the window ends or on dispose. A "stat" scheme exposes the regions: after
/// every aggregation interval of the window the agent asks for them (update_schemes_tried_regions) and marks
/// every region with accesses as hot, so a page touched once in the window is caught even when DAMON's
/// sampling misses it in one aggregation. The scheme matches only regions with accesses, so the agent reads
/// two files per hot region per aggregation.
/// </summary>
public sealed class DamonPhysicalMonitor : IHeatMonitor
{
    private readonly ProcFsPaths _paths;
    private readonly IReadOnlyList<PfnRange> _ranges;
    private readonly DamonOptions _options;
    private readonly HeatHistory _history;
    private bool _running;

    private DamonPhysicalMonitor(ProcFsPaths paths, IReadOnlyList<PfnRange> ranges, DamonOptions options)
    {
        _paths = paths;
        _ranges = ranges;
        _options = options;
        _history = new HeatHistory(ranges.Count == 0 ? 0 : ranges[^1].End);
    }

    public HeatMethod Method => HeatMethod.DamonPaddr;

    public string Cost =>
        $"one kdamond kernel thread checking up to {_options.MaxRegions} regions every {_options.Sample.TotalMilliseconds:0} ms "
        + "(an rmap walk per check); the agent reads the regions once per aggregation";

    /// <summary>
    /// A monitor when DAMON can be driven here, or null and why not. Never writes when another user holds
    /// the interface: on the development machines the infrastructure runs kdamond.0.
    /// </summary>
    public static DamonPhysicalMonitor? TryCreate(ProcFsPaths paths, IReadOnlyList<PfnRange> ranges, DamonOptions? options, out string reason)
    {
        options ??= new DamonOptions();
        var admin = paths.DamonAdmin;
        var countFile = Path.Combine(admin, "kdamonds", "nr_kdamonds");
        if (!File.Exists(countFile))
        {
            reason = $"{admin} missing (CONFIG_DAMON_SYSFS off)";
            return null;
        }
        try
        {
            var existing = ReadNumber(countFile);
            if (existing != 0 && !RemoveOwnLeftover(admin, options.JournalPath, existing))
            {
                reason = $"DAMON is in use by another user ({existing} kdamond(s) under {admin}): not touched";
                return null;
            }
            reason = "DAMON paddr";
            return new DamonPhysicalMonitor(paths, ranges, options);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            reason = $"DAMON could not start: {e.Message}";
            TryStop(admin, options.JournalPath);
            return null;
        }
    }

    public async Task<WorkingSet> SampleAsync(TimeSpan window, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        _history.BeginWindow();
        var rounds = 0;
        var regions = 0;
        string? failure = null;
        try
        {
            if (ReadNumber(Path.Combine(_paths.DamonAdmin, "kdamonds", "nr_kdamonds")) != 0)
            {
                throw new IOException("another DAMON user started a kdamond since the agent checked");
            }
            Start();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            Dispose();
            _history.EndWindow();
            return WorkingSet.FromLruFlags($"DAMON could not start ({e.Message}): LRU flags");
        }
        try
        {
            do
            {
                await Task.Delay(_options.Aggregation, cancellationToken).ConfigureAwait(false);
                try
                {
                    regions = MarkAccessedRegions();
                    rounds++;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
                {
                    failure = e.Message;
                    break;
                }
            }
            while (Stopwatch.GetElapsedTime(started) < window);
        }
        finally
        {
            Dispose();
            _history.EndWindow();
        }
        var reason = failure is null
            ? $"DAMON paddr: {rounds} aggregations of {_options.Aggregation.TotalMilliseconds:0} ms, {regions} accessed regions in the last"
            : $"DAMON paddr stopped answering ({failure}) after {rounds} aggregations";
        return new WorkingSet(HeatMethod.DamonPaddr, _history.Now, _history.Recent, Stopwatch.GetElapsedTime(started), reason, Cost);
    }

    public void Dispose()
    {
        if (_running)
        {
            _running = false;
            TryStop(_paths.DamonAdmin, _options.JournalPath);
        }
    }

    private string Kdamond => Path.Combine(_paths.DamonAdmin, "kdamonds", "0");

    private string Context => Path.Combine(Kdamond, "contexts", "0");

    private void Start()
    {
        var admin = _paths.DamonAdmin;
        Directory.CreateDirectory(Path.GetDirectoryName(_options.JournalPath)!);
        File.WriteAllText(_options.JournalPath, "starting\n");
        _running = true;
        Write(Path.Combine(admin, "kdamonds", "nr_kdamonds"), 1);
        Write(Path.Combine(Kdamond, "contexts", "nr_contexts"), 1);
        SysfsFile.Write(Path.Combine(Context, "operations"), "paddr");
        var intervals = Path.Combine(Context, "monitoring_attrs", "intervals");
        Write(Path.Combine(intervals, "sample_us"), (ulong)(_options.Sample.Ticks / 10));
        Write(Path.Combine(intervals, "aggr_us"), (ulong)(_options.Aggregation.Ticks / 10));
        Write(Path.Combine(intervals, "update_us"), (ulong)(_options.Aggregation.Ticks / 10));
        var regions = Path.Combine(Context, "monitoring_attrs", "nr_regions");
        Write(Path.Combine(regions, "max"), (ulong)_options.MaxRegions);
        Write(Path.Combine(regions, "min"), (ulong)_options.MinRegions);
        Write(Path.Combine(Context, "targets", "nr_targets"), 1);
        // Start from MinRegions equal pieces of RAM rather than one region per range: DAMON only doubles its
        // regions once per aggregation, and a coarse first region would call a whole range hot.
        var pieces = InitialRegions(_ranges, _options.MinRegions);
        var target = Path.Combine(Context, "targets", "0", "regions");
        Write(Path.Combine(target, "nr_regions"), (ulong)pieces.Count);
        for (var i = 0; i < pieces.Count; i++)
        {
            var region = Path.Combine(target, i.ToString(CultureInfo.InvariantCulture));
            Write(Path.Combine(region, "start"), pieces[i].Start * 4096);
            Write(Path.Combine(region, "end"), pieces[i].End * 4096);
        }
        Write(Path.Combine(Context, "schemes", "nr_schemes"), 1);
        var scheme = Path.Combine(Context, "schemes", "0");
        SysfsFile.Write(Path.Combine(scheme, "action"), "stat");
        var pattern = Path.Combine(scheme, "access_pattern");
        Write(Path.Combine(pattern, "sz", "min"), 0);
        Write(Path.Combine(pattern, "sz", "max"), ulong.MaxValue);
        // Only accessed regions are listed in tried_regions: the agent reads a few files per hot region, not per region.
        Write(Path.Combine(pattern, "nr_accesses", "min"), 1);
        Write(Path.Combine(pattern, "nr_accesses", "max"), uint.MaxValue);
        Write(Path.Combine(pattern, "age", "min"), 0);
        Write(Path.Combine(pattern, "age", "max"), uint.MaxValue);
        SysfsFile.Write(Path.Combine(Kdamond, "state"), "on");
        // The journal names the kdamond's pid: a later agent removes a kdamond only if it is this one.
        File.WriteAllText(_options.JournalPath, File.ReadAllText(Path.Combine(Kdamond, "pid")).Trim() + "\n");
    }

    /// <summary>Splits the RAM ranges into about <paramref name="count"/> pieces of equal size (at least one per range).</summary>
    internal static List<PfnRange> InitialRegions(IReadOnlyList<PfnRange> ranges, int count)
    {
        ulong total = 0;
        foreach (var range in ranges)
        {
            total += range.Length;
        }
        var pieces = new List<PfnRange>();
        var size = Math.Max(1, total / (ulong)Math.Max(1, count));
        foreach (var range in ranges)
        {
            for (var start = range.Start; start < range.End; start += size)
            {
                var end = range.End - start < size * 2 ? range.End : start + size;
                pieces.Add(new PfnRange(start, end));
                if (end == range.End)
                {
                    break;
                }
            }
        }
        return pieces;
    }

    /// <summary>Asks kdamond for its current regions with accesses and marks them; returns how many there were.</summary>
    private int MarkAccessedRegions()
    {
        SysfsFile.Write(Path.Combine(Kdamond, "state"), "update_schemes_tried_regions");
        var tried = Path.Combine(Context, "schemes", "0", "tried_regions");
        var count = 0;
        foreach (var region in Directory.EnumerateDirectories(tried))
        {
            if (!int.TryParse(Path.GetFileName(region), NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                continue;
            }
            count++;
            var start = ReadNumber(Path.Combine(region, "start")) / 4096;
            var end = (ReadNumber(Path.Combine(region, "end")) + 4095) / 4096;
            _history.SetRange(start, end);
        }
        return count;
    }

    /// <summary>
    /// One kdamond whose pid the agent's journal names is the leftover of a crashed agent: remove it. Anything
    /// else belongs to someone else and is left alone.
    /// </summary>
    private static bool RemoveOwnLeftover(string admin, string journal, ulong existing)
    {
        if (!File.Exists(journal) || existing != 1)
        {
            return false;
        }
        var recorded = File.ReadAllText(journal).Trim();
        var pidFile = Path.Combine(admin, "kdamonds", "0", "pid");
        var running = File.Exists(pidFile) ? File.ReadAllText(pidFile).Trim() : "";
        if (recorded.Length == 0 || recorded != running || running == "-1")
        {
            return false;
        }
        TryStop(admin, journal);
        return ReadNumber(Path.Combine(admin, "kdamonds", "nr_kdamonds")) == 0;
    }

    private static void TryStop(string admin, string journal)
    {
        try
        {
            var state = Path.Combine(admin, "kdamonds", "0", "state");
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
            File.WriteAllText(Path.Combine(admin, "kdamonds", "nr_kdamonds"), "0");
            File.Delete(journal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: the journal stays, and the next start removes what is left.
        }
    }

    private static void Write(string path, ulong value) => SysfsFile.Write(path, value);

    private static ulong ReadNumber(string path) => SysfsFile.ReadNumber(path);
}
