using GuestAssist.GuestRig.Tests.Scenarios;
using GuestAssist.GuestRig.Tests.Support;
using GuestAssist.Protocol.V1;

namespace GuestAssist.GuestRig.Tests;

/// <summary>
/// A map's FREE frames against the guest kernel's own figures read right after the scan: at least
/// nr_free_pages − 1 %, at most nr_free_pages + the per-CPU lists' pages + 1 %.
/// </summary>
[Collection(GuestRigCollection.Name)]
[Trait("Category", "GuestRig")]
public sealed class FreeFrameCountTests(GuestRigFixture rig, ITestOutputHelper output)
{
    public const double Tolerance = 0.01;

    [GuestRigTheory]
    [InlineData("6.1", StandardScenarios.SmallMiB)]
    [InlineData("6.12", StandardScenarios.SmallMiB)]
    [InlineData("6.1", StandardScenarios.LargeMiB)]
    [InlineData("6.12", StandardScenarios.LargeMiB)]
    public async Task Free_frames_lie_between_nr_free_pages_and_nr_free_pages_plus_the_per_cpu_lists(string kernel, int memoryMiB)
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
            var free = (long)map.CountOf(PageClass.Free);
            var counters = scan.Counters;
            var low = (long)Math.Floor(counters.NrFreePages * (1 - Tolerance));
            var high = (long)Math.Ceiling((counters.NrFreePages + counters.PerCpuListPages) * (1 + Tolerance));
            var line = $"{run.Scenario.Name} scan {scan.Method.Name}: FREE {free}, nr_free_pages {counters.NrFreePages}, pcp {counters.PerCpuListPages}, allowed {low}..{high}";
            output.WriteLine(line);
            if (free < low || free > high)
            {
                failures.Add(line);
            }
        }
        Assert.True(failures.Count == 0, string.Join("; ", failures));
    }
}
