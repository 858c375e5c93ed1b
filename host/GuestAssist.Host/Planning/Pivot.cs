namespace GuestAssist.Host.Planning;

/// <summary>
/// A demand fault being pre-paged around: frames [DownEnd, DownTop) are still to scan downward (from the
/// top), [Up, UpEnd) upward (from the bottom). A fault that continues a walk grows in the walk's direction only.
/// </summary>
internal struct Pivot
{
    public ulong Centre;
    public ulong Up;
    public ulong UpEnd;
    public ulong DownTop;
    public ulong DownEnd;

    /// <summary>The lowest-priority class rank this pivot may send ahead of the class order (byte.MaxValue: any).</summary>
    public byte RankBound;

    public Pivot(ulong gfn, ulong radius, ulong frames, PivotDirection direction)
    {
        Centre = gfn;
        Up = gfn + 1;
        UpEnd = direction == PivotDirection.Down ? Up : Math.Min(frames, gfn + 1 + radius);
        DownTop = gfn;
        DownEnd = direction == PivotDirection.Up ? gfn : gfn > radius ? gfn - radius : 0;
    }

    public readonly bool UpDone => Up >= UpEnd;

    public readonly bool DownDone => DownTop <= DownEnd;
}
