using GuestAssist.GuestRig.Tests.Analysis;
using GuestAssist.GuestRig.Tests.Scenarios;
using GuestAssist.GuestRig.Tests.Support;

namespace GuestAssist.GuestRig.Tests;

/// <summary>
/// Pages the kernel holds without a flag (pipe buffers, socket page frags, a vmalloc'd BPF array) carry
/// the only copy of their data: every map must send at least one copy of each.
/// </summary>
[Collection(GuestRigCollection.Name)]
[Trait("Category", "GuestRig")]
public sealed class KernelHeldPageTests(GuestRigFixture rig, ITestOutputHelper output)
{
    [GuestRigTheory]
    [InlineData("6.1", StandardScenarios.SmallMiB)]
    [InlineData("6.12", StandardScenarios.SmallMiB)]
    [InlineData("6.1", StandardScenarios.LargeMiB)]
    [InlineData("6.12", StandardScenarios.LargeMiB)]
    public async Task Every_kernel_held_pattern_page_has_a_copy_in_a_sent_frame(string kernel, int memoryMiB)
    {
        var run = await rig.RunAsync(kernel, memoryMiB, output);
        var failures = new List<string>();
        foreach (var scan in run.Scans)
        {
            if (scan.Map is not { } map)
            {
                failures.Add(scan.Failure);
                continue;
            }
            foreach (var workload in run.Scenario.Workloads.Where(w => !w.IsHeat))
            {
                var report = LossReport.Compute(workload.Mode, workload.Tag, run.PagesOf(workload), run.Copies, map);
                output.WriteLine($"{run.Scenario.Name} scan {scan.Method.Name}: {report}");
                if (report.RigBroken)
                {
                    failures.Add($"rig broken: {report}");
                }
                else if (report.Lost > 0)
                {
                    failures.Add($"scan {scan.Method.Name}: {report}");
                }
            }
        }
        Assert.True(failures.Count == 0, string.Join("; ", failures));
    }
}
