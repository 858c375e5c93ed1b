using GuestAssist.Host.Planning;

namespace GuestAssist.Host.Source;

/// <summary>
/// The enlightened order: a <see cref="TransferPlanner"/> (class order, pivots around faults, skipping under a
/// covering dirty log) behind the page server's schedule interface. One planner serves the whole session; a
/// reconnecting background channel resumes it from the destination's received bitmap.
/// </summary>
public sealed class PlannerSchedule(TransferPlanner planner) : ITransferSchedule
{
    public TransferPlanner Planner { get; } = planner ?? throw new ArgumentNullException(nameof(planner));

    public string Description => Planner.MaxPivots == 0
        ? "enlightened (class order, no pre-paging), " + Planner.SkippingState
        : $"enlightened (class order, pre-paging around {(Planner.MaxPivots == 1 ? "the newest fault" : $"the {Planner.MaxPivots} newest faults")}), " + Planner.SkippingState;

    /// <summary>A page-server schedule factory: fresh on the first connection, resumed on reconnects.</summary>
    public Func<ulong[]?, ITransferSchedule> Factory() => received =>
    {
        if (received is not null)
        {
            Planner.ResumeFrom(received);
        }
        return this;
    };

    public int TakeZeroFill(Span<ulong> gfns) => Planner.TakeZeroFill(gfns);

    public int NextBatch(Span<ulong> gfns) => Planner.NextBatch(gfns);

    public void OnDemandFault(ulong gfn) => Planner.OnDemandFault(gfn);
}
