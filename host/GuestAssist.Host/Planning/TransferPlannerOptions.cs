namespace GuestAssist.Host.Planning;

/// <summary>Tuning of a <see cref="TransferPlanner"/>; the defaults suit 4 KiB pages and a 1-10 Gbit/s link.</summary>
public sealed record TransferPlannerOptions
{
    public static TransferPlannerOptions Default { get; } = new();

    /// <summary>Owners whose frames go first, highest priority first.</summary>
    public IReadOnlyList<OwnerSelector> PriorityOwners { get; init; } = [];

    public OwnerPriorityMode OwnerPriorityMode { get; init; } = OwnerPriorityMode.TieBreak;

    /// <summary>
    /// Demand faults pre-paged around at once (newest first); 0 turns re-centring off. One by default: measured with
    /// migrate-demo, every older pivot keeps spending the link on where a walk has already been (sequential-runs
    /// working set 740 ms with 1 pivot, 845 with 2, 956 with 4; scattered faults: no difference beyond noise).
    /// </summary>
    public int MaxPivots { get; init; } = 1;

    /// <summary>
    /// Pre-paging sends a neighbour ahead of the class order only when the map ranks it no lower than the faulting frame
    /// or what the order sends now: a fault on a hot page then brings hot and kernel neighbours, not the cold pages that
    /// surround a scattered working set, while a fault on a frame the map called cold (the map was wrong there) still
    /// pre-pages everything around it. Off: locality only, whatever the map says.
    /// </summary>
    public bool PrePageWithinClassOrder { get; init; } = true;

    /// <summary>Frames each pivot emits in each direction per round before the next pivot gets its turn.</summary>
    public int PivotStep { get; init; } = 8;

    /// <summary>How far (frames, each side) a pivot grows before it retires and the class order resumes.</summary>
    public int PivotRadius { get; init; } = 512;

    internal void Validate()
    {
        if (MaxPivots is < 0 or > 64)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxPivots), MaxPivots, "0..64 pivots");
        }
        if (PivotStep < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(PivotStep), PivotStep, "at least 1 frame per round");
        }
        if (PivotRadius < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(PivotRadius), PivotRadius, "at least 1 frame");
        }
        ArgumentNullException.ThrowIfNull(PriorityOwners);
    }
}
