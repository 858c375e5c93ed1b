using GuestAssist.GuestRig.Tests.Support;

namespace GuestAssist.GuestRig.Tests.Scenarios;

/// <summary>
/// Which scans the 1 GiB guests run: GUESTASSIST_RIG_HEAT_METHODS (comma-separated, e.g.
/// "auto,damon,soft-dirty,idle,lru"; empty = one plain scan) when set, else every method the agent
/// offers when its `scan --help` lists `--heat`, else one plain scan.
/// </summary>
public static class ScanMethodSelection
{
    public const string Variable = "GUESTASSIST_RIG_HEAT_METHODS";

    public static readonly string[] KnownHeatMethods = ["auto", "damon", "soft-dirty", "idle", "lru"];

    public const double WindowSeconds = 5;

    public static async Task<IReadOnlyList<ScanMethod>> SelectAsync(string agentBinary)
    {
        var names = Environment.GetEnvironmentVariable(Variable) is { } configured
            ? configured.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : await AgentOffersHeatAsync(agentBinary) ? KnownHeatMethods : [];
        return From(names);
    }

    public static IReadOnlyList<ScanMethod> From(IReadOnlyList<string> heatMethods) =>
        heatMethods.Count == 0 ? [ScanMethod.Plain] : [.. heatMethods.Select(name => new ScanMethod(name, name, WindowSeconds))];

    private static async Task<bool> AgentOffersHeatAsync(string agentBinary)
    {
        var help = await CommandRunner.RunAsync(agentBinary, ["scan", "--help"], TimeSpan.FromSeconds(30));
        return help.StandardOutput.Contains("--heat", StringComparison.Ordinal);
    }
}
