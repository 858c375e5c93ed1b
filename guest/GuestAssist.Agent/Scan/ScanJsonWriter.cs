using System.Text.Encodings.Web;
using System.Text.Json;
using GuestAssist.Guest.Classification;
using GuestAssist.Guest.Heat;

namespace GuestAssist.Agent.Scan;

/// <summary>`--json`: the scan as one JSON object (Utf8JsonWriter: no reflection, safe to trim).</summary>
internal static class ScanJsonWriter
{
    public static void Write(Stream output, ScanReport report, int top)
    {
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        var scan = report.Scan;
        json.WriteStartObject();
        json.WriteNumber("pageSize", scan.PageSize);
        json.WriteNumber("frames", scan.TotalFrames);
        json.WriteNumber("ramFrames", scan.RamFrames);
        json.WriteStartObject("epoch");
        json.WriteNumber("sequence", scan.Sequence);
        json.WriteNumber("guestMonotonicNs", scan.MonotonicNs);
        json.WriteEndObject();

        json.WriteStartObject("classes");
        foreach (var pageClass in ClassCounts.Ordered)
        {
            json.WriteNumber(ScanTableRenderer.ClassName(pageClass), scan.Counts[pageClass]);
        }
        json.WriteEndObject();

        var tally = scan.Tally;
        json.WriteStartObject("flags");
        json.WriteNumber("buddy", tally.Buddy);
        json.WriteNumber("blankBlockFrames", tally.Blank);
        json.WriteNumber("lruActive", tally.LruActive);
        json.WriteNumber("lruInactive", tally.LruInactive);
        json.WriteNumber("lruUnevictable", tally.Unevictable);
        json.WriteEndObject();

        json.WriteStartObject("lazyInit");
        json.WriteNumber("blankBlockFrames", scan.LazyInit.BlankFrames);
        json.WriteNumber("memFreeMinusNrFreePages", scan.LazyInit.UninitialisedAfter);
        json.WriteBoolean("provenFree", scan.LazyInit.Holds);
        json.WriteString("reason", scan.LazyInit.Describe());
        json.WriteEndObject();

        if (report.Kernel is { } kernel)
        {
            json.WriteStartObject("kernel");
            json.WriteNumber("memTotal", kernel.MemTotal);
            json.WriteNumber("nrFreePages", kernel.NrFreePages);
            json.WriteNumber("buddyInfoFree", kernel.BuddyInfoFree);
            json.WriteNumber("perCpuListPages", kernel.PerCpuListPages);
            json.WriteNumber("active", kernel.Active);
            json.WriteNumber("inactive", kernel.Inactive);
            json.WriteNumber("unevictable", kernel.Unevictable);
            json.WriteNumber("cached", kernel.Cached);
            json.WriteNumber("slab", kernel.Slab);
            json.WriteNumber("pageTables", kernel.PageTables);
            json.WriteEndObject();
        }

        json.WriteStartObject("method");
        json.WriteString("heat", WorkingSet.NameOf(scan.HeatMethod));
        json.WriteString("heatReason", report.WorkingSet.Reason);
        json.WriteString("heatSelection", report.HeatSelection);
        json.WriteString("heatCost", report.WorkingSet.Cost);
        json.WriteNumber("heatWindowSeconds", Math.Round(report.WorkingSet.Window.TotalSeconds, 3));
        // CPU the agent used while the monitor watched its window (the frame scan itself is in timings).
        json.WriteNumber("heatAgentCpuSeconds", Math.Round(report.HeatAgentCpu.TotalSeconds, 4));
        if (report.Writes is { } writes)
        {
            // Soft-dirty: pages each process wrote in the window, the dirty rates throttling acts on.
            json.WriteStartArray("writesByProcess");
            foreach (var process in writes.OrderByDescending(w => w.Pages))
            {
                json.WriteStartObject();
                json.WriteNumber("pid", process.Pid);
                json.WriteNumber("pages", process.Pages);
                json.WriteNumber("bytesPerSecond", Math.Round(process.PagesPerSecond * scan.PageSize));
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        json.WriteEndObject();

        json.WriteStartObject("timings");
        json.WriteNumber("readSeconds", Math.Round(scan.ReadSeconds, 6));
        json.WriteNumber("classifySeconds", Math.Round(scan.ClassifySeconds, 6));
        json.WriteNumber("totalSeconds", Math.Round(scan.TotalSeconds, 6));
        json.WriteEndObject();

        json.WriteStartArray("degraded");
        foreach (var line in report.Capabilities.Degradations)
        {
            json.WriteStringValue(line);
        }
        json.WriteEndArray();

        if (report.Attribution is { } attribution)
        {
            json.WriteStartObject("attribution");
            json.WriteNumber("walked", attribution.Walked);
            json.WriteNumber("vanished", attribution.Vanished);
            json.WriteNumber("denied", attribution.Denied);
            json.WriteNumber("ownedFrames", attribution.Owners.Count);
            json.WriteBoolean("pfnsHidden", attribution.PfnsHidden);
            json.WriteStartArray("processes");
            foreach (var process in attribution.Processes.Take(top))
            {
                json.WriteStartObject();
                json.WriteNumber("pid", process.Pid);
                json.WriteString("command", process.Owner.Command);
                json.WriteString("cgroup", process.Owner.Cgroup);
                json.WriteNumber("frames", process.Frames);
                json.WriteNumber("allocatedSinceScan", process.AllocatedSinceScan);
                json.WriteStartObject("classes");
                foreach (var pageClass in ClassCounts.Ordered)
                {
                    json.WriteNumber(ScanTableRenderer.ClassName(pageClass), process.Counts[pageClass]);
                }
                json.WriteEndObject();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndObject();
        json.Flush();
        output.WriteByte((byte)'\n');
    }
}
