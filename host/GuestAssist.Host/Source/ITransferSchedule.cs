namespace GuestAssist.Host.Source;

/// <summary>
/// The order of the background push (one instance per background connection; a reconnect builds a new one from
/// the destination's received bitmap). NextBatch is called by the background thread, OnDemandFault by the urgent thread.
/// </summary>
public interface ITransferSchedule
{
    /// <summary>Frames the destination zero-fills itself (skipped under a covering dirty log); drained first.</summary>
    int TakeZeroFill(Span<ulong> gfns);

    /// <summary>Next frames to push, in order; 0 when everything was pushed.</summary>
    int NextBatch(Span<ulong> gfns);

    /// <summary>The destination faulted on <paramref name="gfn"/> (served on the urgent channel): re-centre around it.</summary>
    void OnDemandFault(ulong gfn);

    /// <summary>Short description for logs and results, e.g. "address order" or "skipping disabled: no dirty log".</summary>
    string Description { get; }
}
