using GuestAssist.GuestRig.Tests.Analysis;
using GuestAssist.GuestRig.Tests.Scenarios;
using GuestAssist.GuestRig.Tests.Support;

namespace GuestAssist.GuestRig.Tests;

/// <summary>
/// HOT against the heat workloads' hot and cold halves, per scan method: always reported (test output and
/// artifacts/guest-rig/heat-KERNEL.csv), asserted where <see cref="HeatExpectation"/> has a row.
/// </summary>
[Collection(GuestRigCollection.Name)]
[Trait("Category", "GuestRig")]
public sealed class HeatClassTests(GuestRigFixture rig, ITestOutputHelper output)
{
    [GuestRigTheory]
    [InlineData("6.1")]
    [InlineData("6.12")]
    public async Task Hot_pages_are_classed_hot_and_cold_pages_are_not(string kernel)
    {
        var run = await rig.RunAsync(kernel, StandardScenarios.SmallMiB, output);
        var rows = HeatRow.From(run).ToList();
        Directory.CreateDirectory(RepositoryPaths.Artifacts);
        await File.WriteAllLinesAsync(Path.Combine(RepositoryPaths.Artifacts, $"heat-{kernel}.csv"), [HeatRow.CsvHeader, .. rows.Select(r => r.ToCsv())]);
        var failures = new List<string>();
        foreach (var scan in run.Scans.Where(s => s.Map is null))
        {
            failures.Add(scan.Failure);
        }
        foreach (var row in rows)
        {
            output.WriteLine(row.ToString());
            if (HeatExpectation.For(row.Method, row.Workload.Kind, kernel) is { } expected
                && (row.Score.Recall < expected.MinRecall || row.Score.FalseHot > expected.MaxFalseHot))
            {
                failures.Add($"{row} (want recall ≥ {expected.MinRecall}, false-hot ≤ {expected.MaxFalseHot})");
            }
        }
        Assert.True(failures.Count == 0, string.Join("; ", failures));
    }
}
