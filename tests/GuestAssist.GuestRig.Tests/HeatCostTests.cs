using System.Globalization;
using GuestAssist.GuestRig.Tests.Scenarios;
using GuestAssist.GuestRig.Tests.Support;

namespace GuestAssist.GuestRig.Tests;

/// <summary>
/// What monitoring costs the guest (issue #8, DESIGN.md invariant 5): in each cost scan the agent monitors for
/// 30 s; its CPU while monitoring stays within 2% of the one vCPU, starting the monitor and finishing with it (once
/// per window, whatever its length: DAMON's sysfs configuration, then mapping what it saw to frames) within half a
/// second each, and the memory it writes of its own — counted by
/// rigload from the agent's soft-dirty bits — within a few MiB a minute. Scans whose monitor could not run on
/// this kernel (DAMON on 6.1) fall back to LRU flags, which watch nothing, and are not judged.
/// </summary>
[Collection(GuestRigCollection.Name)]
[Trait("Category", "GuestRig")]
public sealed class HeatCostTests(GuestRigFixture rig, ITestOutputHelper output)
{
    public const double MaxCpuShare = 0.02;

    public const double MaxWrittenMiBPerMinute = 4;

    public const double MaxOncePerWindowCpuSeconds = 0.5;

    [GuestRigTheory]
    [InlineData("6.1")]
    [InlineData("6.12")]
    public async Task Monitoring_costs_at_most_2_percent_of_a_vCPU_and_a_few_MiB_of_writes_a_minute(string kernel)
    {
        var run = await rig.RunAsync(kernel, StandardScenarios.SmallMiB, output);
        var watched = run.Scans.Where(s => s.Method.WatchAgentSeconds > 0).ToList();
        if (watched.Count == 0)
        {
            output.WriteLine($"no cost scan: {ScanMethodSelection.Variable} names none like damon:30");
            return;
        }
        var failures = new List<string>();
        var judged = 0;
        foreach (var scan in watched)
        {
            if (scan.Map is null)
            {
                failures.Add(scan.Failure);
                continue;
            }
            if (!(scan.HeatWindowSeconds > 0))
            {
                output.WriteLine($"{kernel} {scan.Method.Name}: not judged, no monitor ran ({scan.Method.HeatMethod} fell back to LRU flags on {kernel})");
                continue;
            }
            if (scan.AgentWrites is not { } writes)
            {
                failures.Add($"{kernel} {scan.Method.Name}: the agent monitored but rigload never watched it");
                continue;
            }
            var line = string.Create(CultureInfo.InvariantCulture,
                $"{kernel} {scan.Method.Name}: agent CPU {scan.HeatAgentCpuSeconds:0.000} s over {scan.HeatWindowSeconds:0.0} s, {scan.HeatAgentSetupCpuSeconds:0.000} s of it starting the monitor, {scan.HeatAgentWatchCpuSeconds:0.000} s reading it over {scan.HeatWatchedSeconds:0.0} s watched, {scan.HeatAgentFinishCpuSeconds:0.000} s finishing: {scan.MonitoringCpuShare * 100:0.00}% of a vCPU while monitoring ({scan.Method.WindowSeconds:0} s asked for); wrote {writes.Pages} pages of {writes.ResidentPages} resident in {writes.Seconds} s = {writes.MiBPerMinute:0.00} MiB/min; THP-backed {writes.AnonHugeKiB} KiB");
            output.WriteLine(line);
            judged++;
            if (writes.AnonHugeKiB > 0)
            {
                failures.Add($"{line} (want no THP in the agent: one small write in a huge page dirties 2 MiB)");
            }
            if (scan.MonitoringCpuShare > MaxCpuShare || scan.HeatAgentSetupCpuSeconds > MaxOncePerWindowCpuSeconds || scan.HeatAgentFinishCpuSeconds > MaxOncePerWindowCpuSeconds || writes.MiBPerMinute > MaxWrittenMiBPerMinute)
            {
                failures.Add($"{line} (want ≤ {MaxCpuShare * 100}%, a start and a finish of ≤ {MaxOncePerWindowCpuSeconds} s each and ≤ {MaxWrittenMiBPerMinute} MiB/min)");
            }
        }
        Assert.True(failures.Count == 0, string.Join("; ", failures));
        Assert.True(judged > 0, $"no cost scan on {kernel} ran a monitor: soft-dirty is in every Debian kernel the rig boots");
    }
}
