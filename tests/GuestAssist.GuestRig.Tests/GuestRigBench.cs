using System.Globalization;
using System.Text;
using GuestAssist.GuestRig.Tests.Analysis;
using GuestAssist.GuestRig.Tests.Scenarios;
using GuestAssist.GuestRig.Tests.Support;
using GuestAssist.Protocol.V1;

namespace GuestAssist.GuestRig.Tests;

/// <summary>
/// The rig's benchmark table (`dotnet test --filter Category=GuestRigBench`, build.cake's Bench): per
/// kernel, guest size and scan method the map time, recall and false-hot, frames per class and the
/// kernel's free-page figures; also written to artifacts/guest-rig/bench.txt.
/// </summary>
[Collection(GuestRigCollection.Name)]
[Trait("Category", "GuestRig")]
public sealed class GuestRigBench(GuestRigFixture rig, ITestOutputHelper output)
{
    private static readonly PageClass[] Classes = [.. Enum.GetValues<PageClass>().Where(c => c != PageClass.Unspecified)];

    [GuestRigFact]
    [Trait("Category", "GuestRigBench")]
    public async Task Prints_the_guest_rig_table()
    {
        var table = new StringBuilder();
        table.Append(CultureInfo.InvariantCulture, $"{"kernel",-6} {"MiB",5} {"method",-10} {"map s",7} {"wall s",7} {"cpu %",6} {"MiB/m",6} {"rd rec",6} {"rd fh",6} {"wr rec",6} {"wr fh",6} ");
        table.AppendJoin(' ', Classes.Select(c => $"{ShortName(c),9}"));
        table.Append(CultureInfo.InvariantCulture, $" {"nr_free",9} {"pcp",6} {"lost",6}\n");
        var timings = new StringBuilder();
        foreach (var (kernel, memory) in StandardScenarios.All())
        {
            var run = await rig.RunAsync(kernel, memory, output);
            timings.Append(CultureInfo.InvariantCulture,
                $"{run.Scenario.Name}: /init at {run.BootTime.TotalSeconds:0.0} s, installed agent exec -> listening {run.Package.ListenSeconds:0.000} s, workloads ready at {run.WorkloadsReadyTime.TotalSeconds:0.0} s, RIG-DONE at {run.DoneTime.TotalSeconds:0.0} s, RAM scan {run.RamScanTime.TotalSeconds:0.00} s\n");
            var heat = HeatRow.From(run).ToList();
            foreach (var scan in run.Scans)
            {
                string Score(WorkloadKind kind, bool recall) =>
                    heat.FirstOrDefault(h => h.Method == scan.Method.Name && h.Workload.Kind == kind) is { } row
                        ? (recall ? row.Score.Recall : row.Score.FalseHot).ToString("0.000", CultureInfo.InvariantCulture)
                        : "-";
                table.Append(CultureInfo.InvariantCulture,
                    $"{kernel,-6} {memory,5} {scan.Method.Name,-10} {scan.MapSeconds,7:0.00} {scan.WallSeconds,7:0.00} {scan.HeatCpuShare * 100,6:0.0} {scan.AgentWrites?.MiBPerMinute ?? double.NaN,6:0.00} {Score(WorkloadKind.HeatRead, true),6} {Score(WorkloadKind.HeatRead, false),6} {Score(WorkloadKind.HeatWrite, true),6} {Score(WorkloadKind.HeatWrite, false),6} ");
                var lost = 0;
                if (scan.Map is { } map)
                {
                    table.AppendJoin(' ', Classes.Select(c => $"{map.CountOf(c),9}"));
                    lost = run.Scenario.Workloads.Where(w => !w.IsHeat).Sum(w => LossReport.Compute(w.Mode, w.Tag, run.PagesOf(w), run.Copies, map).Lost);
                }
                else
                {
                    table.AppendJoin(' ', Classes.Select(_ => $"{"-",9}"));
                }
                table.Append(CultureInfo.InvariantCulture, $" {scan.Counters.NrFreePages,9} {scan.Counters.PerCpuListPages,6} {lost,6}\n");
            }
        }
        var text = table.Append('\n').Append(timings).ToString();
        output.WriteLine(text);
        Directory.CreateDirectory(RepositoryPaths.Artifacts);
        await File.WriteAllTextAsync(Path.Combine(RepositoryPaths.Artifacts, "bench.txt"), text);
    }

    private static string ShortName(PageClass pageClass) => pageClass.ToString().ToLowerInvariant();
}
