using System.Globalization;
using GuestAssist.Protocol.V1;
namespace GuestAssist.Cli.Demo;

/// <summary>Prints demo results: one block per policy, and a side-by-side table when several ran.</summary>
public static class DemoReport
{
    private static readonly (PageClass Class, string Name)[] Classes =
    [
        (PageClass.Kernel, "kernel"), (PageClass.Hot, "hot"), (PageClass.Active, "active"), (PageClass.Inactive, "inactive"),
        (PageClass.Cache, "cache"), (PageClass.Free, "free"),
    ];

    public static void Print(IReadOnlyList<DemoRun> runs, TextWriter output)
    {
        foreach (var run in runs)
        {
            var s = run.Source;
            var d = run.Destination;
            output.WriteLine($"policy {DemoOrchestrator.Name(run.Policy)}: {s.Text("schedule")}");
            output.WriteLine($"  dirty log: {s.Text("dirty_log")}");
            output.WriteLine("  bytes sent per class: " + string.Join(", ", Classes.Select(c => $"{c.Name} {MiB(s.Long($"class{(int)c.Class}_bytes"))}")));
            output.WriteLine($"  urgent {MiB(s.Long("urgent_bytes"))}, background {MiB(s.Long("background_bytes"))}, zero pages {s.Long("zero_pages")}, skipped frames {s.Long("skipped_frames")} (zero-filled locally)");
            if (s.Text("mode") == "hybrid")
            {
                output.WriteLine($"  hybrid: {s.Long("pushed_before_switchover")} frames pushed while the VM ran, {s.Long("resent_at_switchover")} written since and sent again at switchover (destination waited {d.Double("switchover_wait_ms"):0} ms for it)");
            }
            output.WriteLine($"  demand faults {d.Long("faults")}, urgent requests {d.Long("urgent_requests")}, blocktime p50 {d.Double("blocktime_p50_us"):0} µs, p99 {d.Double("blocktime_p99_us"):0} µs (at the source p50 {s.Double("urgent_wait_p50_us"):0} µs, p99 {s.Double("urgent_wait_p99_us"):0} µs)");
            output.WriteLine($"  working set served {d.Double("hot_served_ms"):0} ms after switchover ({d.Double("working_set_install_rate"):0} pages/s installed meanwhile), transfer complete after {d.Double("completion_ms"):0} ms");
            output.WriteLine($"  reconnects {d.Long("reconnects")} (cuts {d.Long("cuts")}), duplicate deliveries {d.Long("duplicates")}, double installs {d.Long("double_installs")}");
            var first = d.Long("mismatches") > 0 ? $" (first: {d.Text("first_mismatch")})" : "";
            output.WriteLine($"  verified: {d.Long("verified_ok")} pages ok, {d.Long("mismatches")} mismatches{first}");
        }
        if (runs.Count < 2)
        {
            return;
        }
        output.WriteLine();
        (string Label, Func<DemoRun, string> Value)[] rows =
        [
            ("bytes sent (MiB)", r => (Mib(r.Source.Long("urgent_bytes") + r.Source.Long("background_bytes"))).ToString("0.0", CultureInfo.InvariantCulture)),
            ("pre-paging pivots", r => r.Source.Long("max_pivots").ToString(CultureInfo.InvariantCulture)),
            ("free frames skipped", r => r.Source.Long("skipped_frames").ToString(CultureInfo.InvariantCulture)),
            ("demand faults", r => r.Destination.Long("faults").ToString(CultureInfo.InvariantCulture)),
            ("blocktime p50 (µs)", r => r.Destination.Double("blocktime_p50_us").ToString("0", CultureInfo.InvariantCulture)),
            ("blocktime p99 (µs)", r => r.Destination.Double("blocktime_p99_us").ToString("0", CultureInfo.InvariantCulture)),
            ("working set served (ms)", r => r.Destination.Double("hot_served_ms").ToString("0", CultureInfo.InvariantCulture)),
            ("pages/s in working set", r => r.Destination.Double("working_set_install_rate").ToString("0", CultureInfo.InvariantCulture)),
            ("complete (ms)", r => r.Destination.Double("completion_ms").ToString("0", CultureInfo.InvariantCulture)),
            ("mismatches", r => r.Destination.Long("mismatches").ToString(CultureInfo.InvariantCulture)),
        ];
        output.WriteLine($"{"",-22}" + string.Concat(runs.Select(r => $"{DemoOrchestrator.Name(r.Policy),26}")));
        foreach (var (label, value) in rows)
        {
            output.WriteLine($"{label,-22}" + string.Concat(runs.Select(r => $"{value(r),26}")));
        }
    }

    private static double Mib(long bytes) => bytes / 1048576.0;

    private static string MiB(long bytes) => Mib(bytes).ToString("0.0", CultureInfo.InvariantCulture) + " MiB";
}
