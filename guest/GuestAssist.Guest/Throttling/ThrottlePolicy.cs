namespace GuestAssist.Guest.Throttling;

/// <summary>
/// What the host asked for: the dirty budget the migration can absorb, the duty-cycle period and the longest
/// single stop, and optionally which processes to consider (empty: the heaviest dirtiers) and which to spare.
/// </summary>
public sealed record ThrottlePolicy(
    double BudgetBytesPerSecond,
    TimeSpan Period,
    TimeSpan MaxStop,
    IReadOnlyList<int> TargetPids,
    IReadOnlyList<int> ProtectedPids,
    IReadOnlyList<string> ProtectedCommands)
{
    public static TimeSpan DefaultPeriod { get; } = TimeSpan.FromMilliseconds(100);

    /// <summary>98 ms of each 100 ms period: a 2% duty, so a 3 GiB/s writer can be held near 60 MiB/s.</summary>
    public static TimeSpan DefaultMaxStop { get; } = TimeSpan.FromMilliseconds(98);

    /// <summary>A rogue is throttled above share × (1 + this) and released below share × (1 − this).</summary>
    public double Hysteresis { get; init; } = 0.1;

    /// <summary>The lowest duty a rogue is held at (it always makes some progress).</summary>
    public double MinimumDuty { get; init; } = 0.02;
}
