using GuestAssist.GuestRig.Tests.Scenarios;
using GuestAssist.GuestRig.Tests.Support;

namespace GuestAssist.GuestRig.Tests;

/// <summary>
/// Soft-dirty attribution (the dirty rates throttling acts on) in real kernels: the writer that rewrites its 64 MiB
/// hot half every pass is the heaviest writer, and the pages the agent counts for it in one window are its hot
/// pages (each pass writes all of them, and a pass is far shorter than the window) within ±20%.
/// </summary>
[Collection(GuestRigCollection.Name)]
[Trait("Category", "GuestRig")]
public sealed class SoftDirtyAttributionTests(GuestRigFixture rig, ITestOutputHelper output)
{
    [GuestRigTheory]
    [InlineData("6.1")]
    [InlineData("6.12")]
    public async Task Soft_dirty_names_the_writer_and_its_rate_within_20_percent(string kernel)
    {
        var run = await rig.RunAsync(kernel, StandardScenarios.SmallMiB, output);
        var scan = run.Scans.FirstOrDefault(s => s.Method.Name == "soft-dirty");
        Assert.True(scan is not null, "the scenario ran no soft-dirty scan");
        Assert.True(scan.WrittenPages is { Count: > 0 }, scan.Map is null ? scan.Failure : "the soft-dirty scan reported no writes by process");
        var writer = run.Scenario.Workloads.Single(w => w.Kind == WorkloadKind.HeatWrite);
        var pid = run.PidOf(writer);
        var truth = writer.MiB * 256L;
        var top = scan.WrittenPages!.MaxBy(p => p.Value);
        var counted = scan.WrittenPages.GetValueOrDefault(pid);
        output.WriteLine($"{kernel}: writer pid {pid} wrote {counted} pages in the window (its hot half: {truth}); heaviest writer pid {top.Key} with {top.Value}");

        Assert.Equal(pid, top.Key);
        Assert.InRange(counted, truth * 0.8, truth * 1.2);
    }
}
