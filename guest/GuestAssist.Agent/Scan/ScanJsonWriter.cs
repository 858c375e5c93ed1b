using System.Text.Encodings.Web;
using System.Text.Json;
using GuestAssist.Agent.Scan.Json;
using GuestAssist.Guest.Classification;
using GuestAssist.Guest.Heat;

namespace GuestAssist.Agent.Scan;

/// <summary>`--json`: the scan as one JSON object, snake_case, through the source-generated <see cref="AgentJsonContext"/>.</summary>
internal static class ScanJsonWriter
{
    public static void Write(Stream output, ScanReport report, int top)
    {
        using (var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            JsonSerializer.Serialize(json, ToJson(report, top), AgentJsonContext.Default.ScanJson);
        }
        output.WriteByte((byte)'\n');
    }

    internal static ScanJson ToJson(ScanReport report, int top)
    {
        var scan = report.Scan;
        var tally = scan.Tally;
        var kernel = report.Kernel is { } k
            ? new KernelJson(k.MemTotal, k.NrFreePages, k.BuddyInfoFree, k.PerCpuListPages, k.Active, k.Inactive, k.Unevictable, k.Cached, k.Slab, k.PageTables)
            : null;
        // Soft-dirty: pages each process wrote in the window, the dirty rates throttling acts on.
        var writes = report.Writes?
            .OrderByDescending(w => w.Pages)
            .Select(w => new ProcessWritesJson(w.Pid, w.Pages, Math.Round(w.PagesPerSecond * scan.PageSize)))
            .ToList();
        var method = new MethodJson(
            WorkingSet.NameOf(scan.HeatMethod),
            report.WorkingSet.Reason,
            report.HeatSelection,
            report.WorkingSet.Cost,
            Math.Round(report.WorkingSet.Window.TotalSeconds, 3),
            // CPU the agent used while the monitor watched its window (the frame scan itself is in timings).
            Math.Round(report.HeatAgentCpu.TotalSeconds, 4),
            // Of that, starting the monitor (once per window, whatever its length).
            Math.Round(report.WorkingSet.SetupCpu.TotalSeconds, 4),
            // Of that, reading the monitor while it watched, and for how long it watched: the cost while monitoring.
            Math.Round(report.WorkingSet.WatchCpu.TotalSeconds, 4),
            Math.Round(report.WorkingSet.Watched.TotalSeconds, 3),
            writes);
        var attribution = report.Attribution is { } a
            ? new AttributionJson(a.Walked, a.Vanished, a.Denied, a.Owners.Count, a.PfnsHidden, [.. a.Processes.Take(top).Select(p =>
                new ProcessJson(p.Pid, p.Owner.Command, p.Owner.Cgroup, p.Frames, p.AllocatedSinceScan, ByClass(c => p.Counts[c])))])
            : null;
        return new ScanJson(
            scan.PageSize,
            scan.TotalFrames,
            scan.RamFrames,
            new EpochJson(scan.Sequence, scan.MonotonicNs),
            ByClass(c => scan.Counts[c]),
            new FlagsJson(tally.Buddy, tally.Blank, tally.LruActive, tally.LruInactive, tally.Unevictable),
            new LazyInitJson(scan.LazyInit.BlankFrames, scan.LazyInit.UninitialisedAfter, scan.LazyInit.Holds, scan.LazyInit.Describe()),
            kernel,
            method,
            new TimingsJson(Math.Round(scan.ReadSeconds, 6), Math.Round(scan.ClassifySeconds, 6), Math.Round(scan.TotalSeconds, 6)),
            [.. report.Capabilities.Degradations],
            attribution);
    }

    // Ordered like the table: a dictionary keeps insertion order when it is only ever added to.
    private static Dictionary<string, ulong> ByClass(Func<Protocol.V1.PageClass, ulong> frames)
    {
        var classes = new Dictionary<string, ulong>(StringComparer.Ordinal);
        foreach (var pageClass in ClassCounts.Ordered)
        {
            classes[ScanTableRenderer.ClassName(pageClass)] = frames(pageClass);
        }
        return classes;
    }
}
