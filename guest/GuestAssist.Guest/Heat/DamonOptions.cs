namespace GuestAssist.Guest.Heat;

/// <summary>
/// DAMON monitoring attributes. Under TCG every access check costs ~35× more, so the defaults keep the
/// region count and sampling rate modest: at most 8 k checks a second.
/// </summary>
/// <remarks>
/// The agent reads the accessed regions once per aggregation, and each read costs the agent one system call
/// per region file (under TCG ~45 ms for a few hundred regions, and in the 30 s cost scans up to 125 ms with the
/// kernel's rebuild of the region files). So the aggregation is the whole window up to <see cref="MaxAggregation"/>:
/// a region is hot when a sample found it accessed anywhere in the window, the same verdict as the union of
/// shorter aggregations, for a fraction of the reads. The cap leaves DAMON a few rounds to split and merge its
/// regions in a long window. With 5 s, a 30 s window read 1.6–2.5% of a TCG vCPU in three runs; with 10 s, 1.2% on a
/// quiet host and 2.2% on a loaded one (one run each).
/// </remarks>
public sealed record DamonOptions
{
    public TimeSpan Sample { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The longest aggregation interval; a shorter window aggregates once over the window.</summary>
    public TimeSpan MaxAggregation { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The aggregation interval for a window: the window itself, at least 10 samples, at most <see cref="MaxAggregation"/>.</summary>
    public TimeSpan AggregationFor(TimeSpan window) =>
        TimeSpan.FromTicks(Math.Clamp(window.Ticks, Sample.Ticks * 10, Math.Max(MaxAggregation.Ticks, Sample.Ticks * 10)));

    public int MinRegions { get; init; } = 100;

    public int MaxRegions { get; init; } = 400;

    /// <summary>
    /// Time between starting one kdamond and the next: more than the kernel's 100 ms polling of a sysfs command
    /// plus the agent's read of the previous kdamond's regions, so each answer comes at that kdamond's own boundary.
    /// </summary>
    public TimeSpan Stagger { get; init; } = TimeSpan.FromMilliseconds(400);

    /// <summary>How many of the biggest processes get a vaddr kdamond of their own.</summary>
    public int VirtualTargets { get; init; } = 4;

    /// <summary>Smallest resident size (pages) worth a vaddr kdamond.</summary>
    public ulong MinTargetPages { get; init; } = 2048;

    /// <summary>Where the agent records the kdamond it created, so a restart after a crash removes it.</summary>
    public string JournalPath { get; init; } = "/run/guestassist/damon-kdamond";
}
