namespace GuestAssist.Host.Planning;

/// <summary>
/// A post-copy transfer order the page server drains: the background stream in batches, demand faults
/// taken for the urgent channel, skipped frames for local zero-fill. Each frame is handed out at most once.
/// </summary>
public interface ITransferPlan
{
    ulong TotalFrames { get; }

    bool IsComplete { get; }

    string SkippingState { get; }

    int NextBatch(Span<ulong> gfns);

    FaultDisposition OnDemandFault(ulong gfn);

    bool TryTakeForUrgent(ulong gfn);

    int TakeZeroFill(Span<ulong> gfns);

    bool TryTakeZeroFill(ulong gfn);

    bool MarkSent(ulong gfn);

    bool MarkReceived(ulong gfn);

    void ResumeFrom(ReadOnlySpan<ulong> receivedWords);

    PlanStatistics GetStatistics();
}
