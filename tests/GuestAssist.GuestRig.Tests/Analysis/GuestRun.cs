using GuestAssist.GuestRig.Tests.Scenarios;

namespace GuestAssist.GuestRig.Tests.Analysis;

/// <summary>A finished guest boot: its scans, the ground truth read from its RAM, and where the time went.</summary>
public sealed record GuestRun(
    GuestScenario Scenario,
    IReadOnlyList<ScanResult> Scans,
    PatternCopies Copies,
    IReadOnlyDictionary<string, int> ReadyPages,
    TimeSpan BootTime,
    TimeSpan WorkloadsReadyTime,
    TimeSpan DoneTime,
    TimeSpan RamScanTime,
    string ConsoleLogPath,
    PackageCheck Package)
{
    /// <summary>Pages the workload reported in its READY line (a socket may take fewer than asked).</summary>
    public int PidOf(Workload workload) =>
        ReadyPages.TryGetValue(workload.Mode + ":pid", out var pid) ? pid : throw new InvalidOperationException($"{workload.Mode} never printed READY");

    public int PagesOf(Workload workload) =>
        ReadyPages.TryGetValue(workload.Mode, out var pages) ? pages : throw new InvalidOperationException($"{workload.Mode} never printed READY");
}
