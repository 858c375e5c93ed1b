using System.Globalization;
using GuestAssist.Guest.Classification;
using GuestAssist.Guest.Heat;
using GuestAssist.Protocol.V1;
using Spectre.Console;

namespace GuestAssist.Agent.Scan;

/// <summary>The default output: classes beside the kernel's own counters, and the scan time.</summary>
internal static class ScanTableRenderer
{
    public static void Render(IAnsiConsole console, ScanReport report)
    {
        var scan = report.Scan;
        var pageSize = scan.PageSize;
        var classes = new Table().Title("page classes").AddColumns("class", "frames", "MiB", "% of RAM");
        foreach (var pageClass in ClassCounts.Ordered)
        {
            var frames = scan.Counts[pageClass];
            classes.AddRow(
                ClassName(pageClass),
                frames.ToString("N0", CultureInfo.InvariantCulture),
                Mib(frames, pageSize),
                (100.0 * frames / Math.Max(1, scan.RamFrames)).ToString("F1", CultureInfo.InvariantCulture));
        }
        classes.AddRow("[bold]total[/]", scan.TotalFrames.ToString("N0", CultureInfo.InvariantCulture), Mib(scan.TotalFrames, pageSize), "");
        console.Write(classes);

        if (report.Kernel is { } kernel)
        {
            var tally = scan.Tally;
            var counters = new Table().Title("kernel's own figures (pages)").AddColumns("counter", "kernel", "scan", "MiB");
            AddCounter(counters, "MemTotal", kernel.MemTotal, scan.RamFrames, pageSize);
            AddCounter(counters, "nr_free_pages (vmstat)", kernel.NrFreePages, tally.Buddy, pageSize);
            AddCounter(counters, "per-CPU free lists (zoneinfo)", kernel.PerCpuListPages, null, pageSize);
            AddCounter(counters, "MemFree - nr_free_pages", scan.LazyInit.UninitialisedAfter, null, pageSize);
            AddCounter(counters, "buddyinfo sum", kernel.BuddyInfoFree, tally.Buddy, pageSize);
            AddCounter(counters, "Active", kernel.Active, tally.LruActive, pageSize);
            AddCounter(counters, "Inactive", kernel.Inactive, tally.LruInactive, pageSize);
            AddCounter(counters, "Unevictable", kernel.Unevictable, tally.Unevictable, pageSize);
            AddCounter(counters, "Cached", kernel.Cached, null, pageSize);
            AddCounter(counters, "Slab", kernel.Slab, null, pageSize);
            AddCounter(counters, "PageTables", kernel.PageTables, null, pageSize);
            AddCounter(counters, "blank-block frames (scan)", null, tally.Blank, pageSize);
            console.Write(counters);
        }
        console.MarkupLine(CultureInfo.InvariantCulture,
            "scan: {0:N0} frames ({1:N0} in System RAM) in {2:F3} s (read {3:F3} s, classify {4:F3} s); heat: {5}",
            scan.TotalFrames, scan.RamFrames, scan.TotalSeconds, scan.ReadSeconds, scan.ClassifySeconds,
            Markup.Escape(WorkingSet.NameOf(scan.HeatMethod)));
        console.MarkupLine("heat: {0} (chosen: {1}); cost: {2}", Markup.Escape(report.WorkingSet.Reason), Markup.Escape(report.HeatSelection), Markup.Escape(report.WorkingSet.Cost));
        console.MarkupLine("free: BUDDY frames{0}; {1}", scan.LazyInit.Holds ? " + proven blank blocks" : "", Markup.Escape(scan.LazyInit.Describe()));
    }

    public static string ClassName(PageClass pageClass) => pageClass switch
    {
        PageClass.Kernel => "kernel",
        PageClass.Hot => "hot",
        PageClass.Active => "active",
        PageClass.Inactive => "inactive",
        PageClass.Cache => "cache",
        PageClass.Free => "free",
        PageClass.Unbacked => "unbacked",
        PageClass.Unproven => "unproven",
        _ => "unspecified",
    };

    private static void AddCounter(Table table, string name, ulong? kernel, ulong? scan, uint pageSize) =>
        table.AddRow(
            name,
            kernel?.ToString("N0", CultureInfo.InvariantCulture) ?? "",
            scan?.ToString("N0", CultureInfo.InvariantCulture) ?? "",
            Mib(kernel ?? scan ?? 0, pageSize));

    private static string Mib(ulong frames, uint pageSize) =>
        (frames * pageSize / (1024.0 * 1024.0)).ToString("N1", CultureInfo.InvariantCulture);
}
