namespace GuestAssist.GuestRig.Tests.Scenarios;

/// <summary>
/// One agent scan in the guest: <see cref="Name"/> names its output files; <see cref="HeatMethod"/> null
/// means a plain `scan --map` (agents without `--heat`). With <see cref="WatchAgentSeconds"/> set, rigload
/// counts the pages the agent itself writes for that long while it monitors (soft-dirty on the agent's pid).
/// </summary>
public sealed record ScanMethod(string Name, string? HeatMethod, double WindowSeconds, int WatchAgentSeconds = 0)
{
    public static readonly ScanMethod Plain = new("plain", null, 0);

    /// <summary>Guest seconds between the scan's start and the start of the watch: the agent is up and monitoring.</summary>
    public const int WatchDelaySeconds = 3;

    public string AgentArguments => HeatMethod is null
        ? ""
        : FormattableString.Invariant($"--heat {HeatMethod} --window {WindowSeconds}");
}
