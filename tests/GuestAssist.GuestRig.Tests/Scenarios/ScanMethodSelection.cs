using GuestAssist.GuestRig.Tests.Support;

namespace GuestAssist.GuestRig.Tests.Scenarios;

/// <summary>
/// Which scans the 1 GiB guests run: GUESTASSIST_RIG_HEAT_METHODS (comma-separated, e.g.
/// "auto,damon,soft-dirty,idle,lru"; empty = one plain scan; "damon:30" is a cost scan: it monitors 30 s
/// instead of the default window, names its files damon-30, and rigload counts the pages the agent writes
/// meanwhile) when set, else every method the agent offers when its `scan --help` lists `--heat` plus the
/// cost scans of the monitors that watch for a while (DAMON, soft-dirty), else one plain scan.
/// </summary>
public static class ScanMethodSelection
{
    public const string Variable = "GUESTASSIST_RIG_HEAT_METHODS";

    public static readonly string[] KnownHeatMethods = ["auto", "damon", "soft-dirty", "idle", "lru", "damon:30", "soft-dirty:30"];

    public const double WindowSeconds = 5;

    public static async Task<IReadOnlyList<ScanMethod>> SelectAsync(string agentBinary)
    {
        var names = Environment.GetEnvironmentVariable(Variable) is { } configured
            ? configured.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : await AgentOffersHeatAsync(agentBinary) ? KnownHeatMethods : [];
        return From(names);
    }

    public static IReadOnlyList<ScanMethod> From(IReadOnlyList<string> heatMethods) =>
        heatMethods.Count == 0 ? [ScanMethod.Plain] : [.. heatMethods.Select(Parse)];

    private static ScanMethod Parse(string entry)
    {
        var colon = entry.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return new ScanMethod(entry, entry, WindowSeconds);
        }
        var name = entry[..colon];
        var seconds = double.Parse(entry[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        return new ScanMethod(FormattableString.Invariant($"{name}-{seconds}"), name, seconds, (int)seconds - 2 * ScanMethod.WatchDelaySeconds);
    }

    private static async Task<bool> AgentOffersHeatAsync(string agentBinary)
    {
        var help = await CommandRunner.RunAsync(agentBinary, ["scan", "--help"], TimeSpan.FromSeconds(30));
        return help.StandardOutput.Contains("--heat", StringComparison.Ordinal);
    }
}
