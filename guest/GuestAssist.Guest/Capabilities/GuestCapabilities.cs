namespace GuestAssist.Guest.Capabilities;

/// <summary>
/// What this kernel and this process allow, detected at run time. <see cref="Degradations"/> holds one line
/// per missing facility saying what is lost and why.
/// </summary>
public sealed record GuestCapabilities(
    bool IsRoot,
    bool PageFlags,
    bool PageCount,
    bool IdleTracking,
    bool SoftDirty,
    bool PageCgroup,
    IReadOnlyList<string> Degradations)
{
    /// <summary>DAMON's sysfs interface is present and unused, so the agent may run its own kdamond.</summary>
    public bool Damon { get; init; }

    /// <summary>A full frame scan needs both kpageflags and kpagecount.</summary>
    public bool CanScanFrames => PageFlags && PageCount;

    /// <summary>Wire capability strings for the Hello exchange.</summary>
    public IEnumerable<string> WireNames()
    {
        if (CanScanFrames)
        {
            yield return "memory-map.v1";
        }
        if (IdleTracking)
        {
            yield return "idle-tracking";
        }
        if (SoftDirty)
        {
            yield return "soft-dirty";
        }
        if (Damon)
        {
            yield return "damon";
        }
    }
}
