using GuestAssist.Guest.ProcFs;

namespace GuestAssist.Guest.Heat;

/// <summary>
/// Picks the access monitor at run time: the one asked for, or with "auto" the best this kernel offers —
/// DAMON (if nobody else drives it), idle page tracking, soft-dirty (writes only), then LRU flags. Every
/// choice carries the reason, so maps and status can name it.
/// </summary>
public static class HeatMonitorSelector
{
    public const string Auto = "auto";
    public const string Damon = "damon";
    public const string Idle = "idle";
    public const string SoftDirty = "soft-dirty";
    public const string Lru = "lru";

    public static IReadOnlyList<string> Names { get; } = [Auto, Damon, Idle, SoftDirty, Lru];

    /// <summary>The monitor for <paramref name="name"/>; when it cannot run here, the LRU-flag reader and why.</summary>
    public static IHeatMonitor Create(string name, ProcFsPaths paths, IReadOnlyList<PfnRange> ranges, out string reason, DamonOptions? damon = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(ranges);
        var frames = ranges.Count == 0 ? 0 : ranges[^1].End;
        var notes = new List<string>();
        var auto = name == Auto;
        if (!Names.Contains(name))
        {
            throw new ArgumentException($"unknown heat method \"{name}\" (known: {string.Join(", ", Names)})", nameof(name));
        }
        if (auto || name == Damon)
        {
            var monitor = DamonMonitor.TryCreate(paths, ranges, damon, out var why);
            if (monitor is not null)
            {
                reason = "DAMON (paddr + vaddr of the biggest processes)";
                return monitor;
            }
            notes.Add(why);
        }
        if (auto || name == Idle)
        {
            var sampler = new WorkingSetSampler(paths, ranges);
            if (sampler.IsAvailable)
            {
                reason = Join(notes, "idle page tracking");
                return sampler;
            }
            notes.Add($"{paths.PageIdleBitmap} missing (CONFIG_IDLE_PAGE_TRACKING off)");
        }
        if (auto || name == SoftDirty)
        {
            if (SoftDirtyMonitor.IsSupported(paths))
            {
                reason = Join(notes, "soft-dirty (write heat only)");
                return new SoftDirtyMonitor(paths, frames);
            }
            notes.Add("no soft-dirty (CONFIG_MEM_SOFT_DIRTY off)");
        }
        var lru = new LruFlagsMonitor(paths);
        reason = Join(notes, lru.MultiGenLru ? "LRU flags (MGLRU on: KPF_ACTIVE is never set, nothing reads hot)" : "LRU flags");
        return lru;
    }

    private static string Join(List<string> notes, string chosen) =>
        notes.Count == 0 ? chosen : $"{chosen}; {string.Join("; ", notes)}";
}
