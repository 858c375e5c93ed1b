using GuestAssist.Host.Source;

namespace GuestAssist.Host.EvictionSession;

/// <summary>What an eviction did: outcome, each phase's time, the transfer's counters and the lines it reported.</summary>
public sealed record EvictionResult(
    EvictionOutcome Outcome,
    string? Error,
    IReadOnlyList<EvictionPhaseTime> PhaseTimes,
    PageServerStatistics? Transfer,
    string Plan,
    AgentState Agent,
    bool LeftPaused,
    IReadOnlyList<string> Notes)
{
    /// <summary>What made a failed eviction fail (e.g. a <c>VmmException</c>), for callers that map it to their own codes.</summary>
    public Exception? Cause { get; init; }

    public TimeSpan Total => PhaseTimes.Aggregate(TimeSpan.Zero, (sum, p) => sum + p.Duration);
}
