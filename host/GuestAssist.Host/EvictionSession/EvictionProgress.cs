using GuestAssist.Host.Measuring;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Host.EvictionSession;

/// <summary>
/// One report of an eviction: the phase, a line saying what happened (null on periodic samples), and the figures.
/// Per-class arrays are indexed by <see cref="PageClass"/> value. Rates are over the last sample interval.
/// </summary>
public sealed record EvictionProgress
{
    public required EvictionPhase Phase { get; init; }

    public string? Message { get; init; }

    public TimeSpan Elapsed { get; init; }

    public IReadOnlyList<long> BytesSentByClass { get; init; } = [];

    /// <summary>Page bytes the plan still has to send, per class (empty before the plan exists).</summary>
    public IReadOnlyList<long> BytesRemainingByClass { get; init; } = [];

    public long BytesSent { get; init; }

    public double PagesPerSecond { get; init; }

    /// <summary>Guest writes the dirty log saw from its start to switchover, bytes/s (known from switchover on); null without a log.</summary>
    public double? DirtyBytesPerSecond { get; init; }

    /// <summary>Processes the agent holds at their share of the dirty budget.</summary>
    public int ThrottledProcesses { get; init; }

    /// <summary>Demand faults the source answered on the urgent channel.</summary>
    public long FaultsServed { get; init; }

    /// <summary>
    /// How long the demand faults served so far waited in the page server, from the urgent request read to its page
    /// written to the socket (count, p50/p90/p99, max; the destination's blocktime adds the network round trip).
    /// </summary>
    public BlocktimeSummary UrgentWait { get; init; }

    /// <summary>Bytes of the source's copy released so far, page by page as the destination confirmed them installed.</summary>
    public long ReleasedBytes { get; init; }

    /// <summary>Pages zero-filled at the destination because the dirty log proved them free.</summary>
    public long SkippedFrames { get; init; }

    public AgentState Agent { get; init; }

    /// <summary>The last transfer connection failure ("background connection dropped: ..."), null while none.</summary>
    public string? Outage { get; init; }

    public int ConnectionDrops { get; init; }
}
