namespace GuestAssist.GuestRig.Tests.Scenarios;

/// <summary>
/// One agent scan in the guest: <see cref="Name"/> names its output files; <see cref="HeatMethod"/> null
/// means a plain `scan --map` (agents without `--heat`).
/// </summary>
public sealed record ScanMethod(string Name, string? HeatMethod, double WindowSeconds)
{
    public static readonly ScanMethod Plain = new("plain", null, 0);

    public string AgentArguments => HeatMethod is null
        ? ""
        : FormattableString.Invariant($"--heat {HeatMethod} --window {WindowSeconds}");
}
