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

    /// <summary>
    /// When non-zero (a power of two), pre-paging works by aligned chunks of this many frames instead of pivots: each
    /// demand fault queues its chunk once, and the chunks go whole, in the order they first faulted, ahead of the class
    /// order. A pivot lives only until the next fault displaces it, so when faults come faster than the link can carry
    /// a pivot's radius (a real guest's scattered working set after switchover: thousands a second) pre-paging
    /// shrinks to a few frames around each; a queue of chunks keeps every region a fault has shown to be in use until
    /// it has gone, and leaves the regions no fault touches (idle memory of the same class) for later.
    /// </summary>
    public int PrePageChunkFrames { get; init; }

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
        if (PrePageChunkFrames < 0 || (PrePageChunkFrames & (PrePageChunkFrames - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(PrePageChunkFrames), PrePageChunkFrames, "0 or a power of two");
        }
        if (PivotRadius < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(PivotRadius), PivotRadius, "at least 1 frame");
        }
        ArgumentNullException.ThrowIfNull(PriorityOwners);
    }
}
