namespace GuestAssist.Host.Planning;

/// <summary>
/// A demand fault being pre-paged around: frames [DownEnd, DownTop) are still to scan downward (from the
/// top), [Up, UpEnd) upward (from the bottom).
/// </summary>
internal struct Pivot
{
    public ulong Up;
    public ulong UpEnd;
    public ulong DownTop;
    public ulong DownEnd;

    public Pivot(ulong gfn, ulong radius, ulong frames)
    {
        Up = gfn + 1;
        UpEnd = Math.Min(frames, gfn + 1 + radius);
        DownTop = gfn;
        DownEnd = gfn > radius ? gfn - radius : 0;
    }

    public readonly bool UpDone => Up >= UpEnd;

    public readonly bool DownDone => DownTop <= DownEnd;
}
