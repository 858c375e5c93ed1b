using System.Globalization;
using GuestAssist.GuestRig.Tests.Scenarios;

namespace GuestAssist.GuestRig.Tests.Analysis;

/// <summary>One (scan method, heat workload) of a guest run, scored.</summary>
public sealed record HeatRow(string Kernel, int MemoryMiB, string Method, Workload Workload, HeatScore Score, double MapSeconds)
{
    public const string CsvHeader = "kernel,guest_mib,method,workload,hot_found,hot_classed_hot,cold_found,cold_classed_hot,recall,false_hot,map_seconds";

    public static IEnumerable<HeatRow> From(GuestRun run)
    {
        foreach (var scan in run.Scans)
        {
            if (scan.Map is not { } map)
            {
                continue;
            }
            foreach (var workload in run.Scenario.Workloads.Where(w => w.IsHeat))
            {
                var score = HeatScore.Compute(workload.Tag, workload.HotPages, workload.ColdTag, workload.ColdPages, run.Copies, map);
                yield return new HeatRow(run.Scenario.Kernel, run.Scenario.MemoryMiB, scan.Method.Name, workload, score, scan.MapSeconds);
            }
        }
    }

    public string ToCsv() => string.Create(CultureInfo.InvariantCulture,
        $"{Kernel},{MemoryMiB},{Method},{Workload.Mode},{Score.HotFound},{Score.HotClassedHot},{Score.ColdFound},{Score.ColdClassedHot},{Score.Recall:0.0000},{Score.FalseHot:0.0000},{MapSeconds:0.000}");

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Kernel} {MemoryMiB} MiB {Method} {Workload.Mode}: recall {Score.Recall:0.000} ({Score.HotClassedHot}/{Score.HotFound}), false-hot {Score.FalseHot:0.000} ({Score.ColdClassedHot}/{Score.ColdFound})");
}
