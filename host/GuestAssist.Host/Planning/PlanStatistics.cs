using GuestAssist.Protocol.V1;

namespace GuestAssist.Host.Planning;

/// <summary>
/// A snapshot of a plan. Per class: the frames the plan sends and the frames it skips (zero-filled at the
/// destination), counted over backed frames the destination did not already have when the planner was
/// built; frames the map leaves unclassified or marks unspecified count under
/// <see cref="PageClass.Unspecified"/>. Skip counts are non-zero only once skipping is enabled. Progress
/// counters tell what has been handed out so far.
/// </summary>
public sealed class PlanStatistics
{
    private readonly ulong[] _toSend;
    private readonly ulong[] _toSkip;

    internal PlanStatistics(
        ulong[] toSend,
        ulong[] toSkip,
        bool skippingEnabled,
        string skippingState,
        ulong holeFrames,
        ulong alreadyReceived,
        ulong backgroundFrames,
        ulong pivotFrames,
        ulong urgentFrames,
        ulong zeroFilledFrames,
        ulong pendingFrames)
    {
        _toSend = toSend;
        _toSkip = toSkip;
        SkippingEnabled = skippingEnabled;
        SkippingState = skippingState;
        HoleFrames = holeFrames;
        AlreadyReceived = alreadyReceived;
        BackgroundFrames = backgroundFrames;
        PivotFrames = pivotFrames;
        UrgentFrames = urgentFrames;
        ZeroFilledFrames = zeroFilledFrames;
        PendingFrames = pendingFrames;
    }

    public bool SkippingEnabled { get; }

    /// <summary>One of the <see cref="SkippingStates"/> texts.</summary>
    public string SkippingState { get; }

    /// <summary>Frames the map covers that no layout region backs (MMIO gap, beyond RAM): never sent.</summary>
    public ulong HoleFrames { get; }

    /// <summary>Backed frames the destination already had (resume).</summary>
    public ulong AlreadyReceived { get; }

    /// <summary>Frames handed out by NextBatch in class order.</summary>
    public ulong BackgroundFrames { get; }

    /// <summary>Frames handed out by NextBatch around fault pivots.</summary>
    public ulong PivotFrames { get; }

    /// <summary>Frames taken for demand faults.</summary>
    public ulong UrgentFrames { get; }

    public ulong ZeroFilledFrames { get; }

    /// <summary>Frames not yet handed out (to send, or to zero-fill once taken).</summary>
    public ulong PendingFrames { get; }

    public ulong TotalToSend => Sum(_toSend);

    public ulong TotalToSkip => Sum(_toSkip);

    public ulong ToSend(PageClass pageClass) => At(_toSend, pageClass);

    public ulong ToSkip(PageClass pageClass) => At(_toSkip, pageClass);

    public override string ToString() =>
        $"{SkippingState}; to send {TotalToSend}, to skip {TotalToSkip}, holes {HoleFrames}, already received {AlreadyReceived}; "
        + $"sent {BackgroundFrames} background + {PivotFrames} pre-paged + {UrgentFrames} urgent, zero-filled {ZeroFilledFrames}, pending {PendingFrames}";

    private static ulong At(ulong[] counts, PageClass pageClass) =>
        (int)pageClass >= 0 && (int)pageClass < counts.Length ? counts[(int)pageClass] : 0;

    private static ulong Sum(ulong[] counts)
    {
        ulong total = 0;
        foreach (var c in counts)
        {
            total += c;
        }
        return total;
    }
}
