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
    /// <summary>
    /// 200 ms: each run slice costs about a millisecond more than asked (signal delivery, timer slack), which at
    /// 100 ms would put a floor of ~3% under the duty; at 200 ms a 3 GiB/s writer can still be held under 100 MiB/s.
    /// </summary>
    public static TimeSpan DefaultPeriod { get; } = TimeSpan.FromMilliseconds(200);

    /// <summary>196 ms of each 200 ms period: a 2% duty at least.</summary>
    public static TimeSpan DefaultMaxStop { get; } = TimeSpan.FromMilliseconds(196);

    /// <summary>A rogue is throttled above share × (1 + this) and released below share × (1 − this).</summary>
    public double Hysteresis { get; init; } = 0.1;

    /// <summary>The lowest duty a rogue is held at (it always makes some progress).</summary>
    public double MinimumDuty { get; init; } = 0.01;
}
