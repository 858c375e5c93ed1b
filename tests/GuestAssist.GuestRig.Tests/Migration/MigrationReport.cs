using System.Globalization;
using System.Text;
using GuestAssist.GuestRig.Tests.Support;

namespace GuestAssist.GuestRig.Tests.Migration;

/// <summary>The benchmark's outputs: results.csv, a table, issue #13's ratios (medians over runs), and one PNG plot per workload.</summary>
public static class MigrationReport
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string Csv(IEnumerable<MigrationRecord> records)
    {
        var csv = new StringBuilder("workload,method,run,baseline_ops,switchover_s,blackout_ms,recovery_s,recovery_to_steady_s,deficit_s,deficit_vs_baseline_s,deficit_to_recovery_s,steady_to_baseline,throughput_during_eviction,source_free_s,mb_sent,faults,blocktime_s,integrity_errors,verified_pages,notes\n");
        foreach (var r in records)
        {
            csv.Append(Invariant, $"{r.Workload},{r.Method.Name()},{r.Run},{r.BaselineOpsPerSecond:0},{r.SwitchoverSeconds:0.000},{r.BlackoutMilliseconds:0.0},{r.RecoverySeconds:0.000},{r.RecoveryToSteadySeconds:0.000},{r.DeficitSeconds:0.000},{r.DeficitVsBaselineSeconds:0.000},{r.DeficitToRecoverySeconds:0.000},{r.SteadyToBaseline:0.000},{r.ThroughputDuringEviction:0.000},{r.SourceFreeSeconds:0.000},{r.MegabytesSent:0.0},{r.Faults},{r.BlocktimeSeconds:0.000},{r.IntegrityErrors},{r.VerifiedPages},\"{r.Notes.Replace('"', '\'')}\"\n");
        }
        return csv.ToString();
    }

    public static string Table(IEnumerable<MigrationRecord> records)
    {
        var table = new StringBuilder();
        table.Append(Invariant, $"{"workload",-8} {"method",-26} {"run",3} {"base op/s",10} {"switch s",8} {"blackout ms",11} {"recover s",9} {"deficit s",9} {"vs base",7} {"to rec s",8} {"steady",6} {"during",6} {"src free s",10} {"MB sent",8} {"faults",7} {"errors",6}\n");
        foreach (var r in records)
        {
            table.Append(Invariant, $"{r.Workload,-8} {r.Method.Name(),-26} {r.Run,3} {r.BaselineOpsPerSecond,10:0} {r.SwitchoverSeconds,8:0.00} {r.BlackoutMilliseconds,11:0.0} {r.RecoverySeconds,9:0.00} {r.DeficitSeconds,9:0.00} {r.DeficitVsBaselineSeconds,7:0.00} {r.DeficitToRecoverySeconds,8:0.00} {r.SteadyToBaseline,6:0.00} {r.ThroughputDuringEviction,6:0.00} {r.SourceFreeSeconds,10:0.00} {r.MegabytesSent,8:0.0} {r.Faults,7} {r.IntegrityErrors,6}\n");
        }
        return table.ToString();
    }

    /// <summary>Issue #13's targets as ratios of medians, for whichever methods ran.</summary>
    public static IReadOnlyList<string> Ratios(IReadOnlyList<MigrationRecord> records)
    {
        var lines = new List<string>();
        double Median(string workload, MigrationMethod method, Func<MigrationRecord, double> metric)
        {
            var values = records.Where(r => r.Workload == workload && r.Method == method).Select(metric).Where(v => !double.IsNaN(v)).Order().ToList();
            return values.Count == 0 ? double.NaN : values.Count % 2 == 1 ? values[values.Count / 2] : (values[values.Count / 2 - 1] + values[values.Count / 2]) / 2;
        }
        void Ratio(string workload, string what, MigrationMethod a, MigrationMethod b, Func<MigrationRecord, double> metric, string target)
        {
            var x = Median(workload, a, metric);
            var y = Median(workload, b, metric);
            if (!double.IsNaN(x) && !double.IsNaN(y))
            {
                lines.Add(string.Create(Invariant, $"{workload}: {what} {a.Name()} / {b.Name()} = {x:0.00} / {y:0.00} = {x / y:0.00}× (target {target})"));
            }
        }
        Ratio("a-kv", "deficit", MigrationMethod.GuestAssistEnlightened, MigrationMethod.QemuPostcopy, r => r.DeficitSeconds, "≤ 0.5×");
        Ratio("a-kv", "deficit", MigrationMethod.GuestAssistEnlightened, MigrationMethod.QemuPostcopyPreempt, r => r.DeficitSeconds, "≤ 0.5×");
        Ratio("a-kv", "deficit", MigrationMethod.GuestAssistEnlightened, MigrationMethod.GuestAssistAddressOrder, r => r.DeficitSeconds, "≤ 0.5×");
        Ratio("a-kv", "deficit to recovery", MigrationMethod.GuestAssistEnlightened, MigrationMethod.QemuPostcopy, r => r.DeficitToRecoverySeconds, "≤ 0.5×");
        Ratio("a-kv", "deficit to recovery", MigrationMethod.GuestAssistEnlightened, MigrationMethod.QemuPostcopyPreempt, r => r.DeficitToRecoverySeconds, "≤ 0.5×");
        Ratio("a-kv", "deficit to recovery", MigrationMethod.GuestAssistEnlightened, MigrationMethod.GuestAssistAddressOrder, r => r.DeficitToRecoverySeconds, "≤ 0.5×");
        Ratio("b-rogue", "source free", MigrationMethod.GuestAssistEnlightened, MigrationMethod.QemuPrecopyAutoConverge, r => r.SourceFreeSeconds, "≤ 0.2×");
        var during = Median("b-rogue", MigrationMethod.GuestAssistEnlightened, r => r.ThroughputDuringEviction);
        if (!double.IsNaN(during))
        {
            lines.Add(string.Create(Invariant, $"b-rogue: service throughput during the eviction, ga-enlightened = {during:0.00}× its baseline (target ≥ 0.9×)"));
        }
        Ratio("c-large", "deficit", MigrationMethod.GuestAssistEnlightened, MigrationMethod.QemuPostcopy, r => r.DeficitSeconds, "≤ 1.1×");
        Ratio("c-large", "deficit to recovery", MigrationMethod.GuestAssistEnlightened, MigrationMethod.QemuPostcopy, r => r.DeficitToRecoverySeconds, "≤ 1.1×");
        Ratio("a-kv", "deficit", MigrationMethod.GuestAssistPostcopy, MigrationMethod.QemuPostcopy, r => r.DeficitSeconds, "(post-copy alone)");
        var failures = records.Count(r => !r.IntegrityOk);
        lines.Add($"integrity: {records.Count - failures} of {records.Count} runs verified every word (target: all)");
        return lines;
    }

    /// <summary>The plot shows half-second averages: 100 ms samples of a TCG guest jitter too much to read.</summary>
    public const double PlotBinSeconds = 0.5;

    /// <summary>Operations per second averaged over consecutive bins of <paramref name="width"/> seconds (time-weighted), at each bin's middle.</summary>
    public static IEnumerable<ThroughputSample> Binned(ThroughputTrace trace, double width)
    {
        var bins = new SortedDictionary<long, (double Operations, double Seconds)>();
        foreach (var sample in trace.Samples)
        {
            var start = sample.Seconds - sample.IntervalSeconds;
            while (start < sample.Seconds)
            {
                var bin = (long)Math.Floor(start / width);
                var end = Math.Min(sample.Seconds, (bin + 1) * width);
                var (operations, seconds) = bins.GetValueOrDefault(bin);
                bins[bin] = (operations + sample.OperationsPerSecond * (end - start), seconds + (end - start));
                start = end;
            }
        }
        return bins.Where(b => b.Value.Seconds > 0).Select(b => new ThroughputSample((b.Key + 0.5) * width, b.Value.Operations / b.Value.Seconds, width));
    }

    /// <summary>
    /// Writes throughput-WORKLOAD.dat/.gp and renders throughput-WORKLOAD.png with gnuplot: of each method the run whose
    /// deficit to recovery is the median (the lower middle of an even count), so the line drawn is the one the table's
    /// median describes, not whichever run came first.
    /// </summary>
    public static async Task<string?> PlotAsync(IReadOnlyList<MigrationRecord> records, string workload, string directory, double windowSeconds)
    {
        var medianRuns = records.Where(r => r.Workload == workload).GroupBy(r => r.Method)
            .Select(g => g.OrderBy(r => double.IsNaN(r.DeficitToRecoverySeconds) ? double.MaxValue : r.DeficitToRecoverySeconds).ThenBy(r => r.Run).ElementAt((g.Count() - 1) / 2))
            .ToList();
        if (medianRuns.Count == 0)
        {
            return null;
        }
        var script = new StringBuilder();
        var png = Path.Combine(directory, $"throughput-{workload}.png");
        script.Append(Invariant, $"""
            set terminal pngcairo size 1200,600 font ",10"
            set output '{png}'
            set title "{workload}: service throughput while the VM is evicted (0.5 s averages; t = 0: eviction starts; 1.0 = the source's baseline)"
            set xlabel "seconds since the eviction began"
            set ylabel "throughput / baseline"
            set xrange [-{MigrationRun.BaselineSeconds}:{windowSeconds}]
            set yrange [0:1.3]
            set key bottom right
            set grid

            """);
        var plots = new List<string>();
        foreach (var record in medianRuns)
        {
            var data = Path.Combine(directory, $"throughput-{workload}-{record.Method.Name()}.dat");
            await File.WriteAllLinesAsync(data, Binned(record.Trace, PlotBinSeconds).Select(b => string.Create(Invariant, $"{b.Seconds:0.000} {b.OperationsPerSecond / record.BaselineOpsPerSecond:0.0000}")));
            plots.Add(string.Create(Invariant, $"'{data}' using 1:2 with lines lw 2 title '{record.Method.Name()} (run {record.Run})'"));
        }
        script.Append("plot ").Append(string.Join(", \\\n     ", plots)).Append('\n');
        var scriptPath = Path.Combine(directory, $"throughput-{workload}.gp");
        await File.WriteAllTextAsync(scriptPath, script.ToString());
        var result = await CommandRunner.RunAsync("gnuplot", [scriptPath], TimeSpan.FromMinutes(1));
        if (result.ExitCode != 0)
        {
            // pngcairo is in gnuplot-nox; fall back to the plain png terminal if this gnuplot lacks cairo.
            await File.WriteAllTextAsync(scriptPath, script.ToString().Replace("pngcairo size 1200,600 font \",10\"", "png size 1200,600", StringComparison.Ordinal));
            result = await CommandRunner.RunAsync("gnuplot", [scriptPath], TimeSpan.FromMinutes(1));
        }
        return result.ExitCode == 0 ? png : null;
    }
}
