namespace GuestAssist.Guest.Heat;

/// <summary>
/// DAMON monitoring attributes. Under TCG every access check costs ~35× more, so the defaults keep the
/// region count and sampling rate modest: at most 8 k checks a second.
/// </summary>
public sealed record DamonOptions
{
    public TimeSpan Sample { get; init; } = TimeSpan.FromMilliseconds(50);

    public TimeSpan Aggregation { get; init; } = TimeSpan.FromSeconds(1);

    public int MinRegions { get; init; } = 100;

    public int MaxRegions { get; init; } = 400;

    /// <summary>How many of the biggest processes get a vaddr kdamond of their own.</summary>
    public int VirtualTargets { get; init; } = 4;

    /// <summary>Smallest resident size (pages) worth a vaddr kdamond.</summary>
    public ulong MinTargetPages { get; init; } = 2048;

    /// <summary>Where the agent records the kdamond it created, so a restart after a crash removes it.</summary>
    public string JournalPath { get; init; } = "/run/guestassist/damon-kdamond";
}
