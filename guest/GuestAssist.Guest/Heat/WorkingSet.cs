using GuestAssist.Protocol.V1;

namespace GuestAssist.Guest.Heat;

/// <summary>
/// Which frames were accessed lately, as PFN-indexed bitmaps (bit i%64 of word i/64), and which monitor said
/// so. With the LRU-flag methods the bitmaps are empty and heat comes from the flags at scan time.
/// </summary>
public sealed class WorkingSet
{
    internal WorkingSet(HeatMethod method, ulong[] accessedNow, ulong[] accessedRecently, TimeSpan window, string reason, string cost = "")
    {
        Cost = cost;
        Method = method;
        AccessedNow = accessedNow;
        AccessedRecently = accessedRecently;
        Window = window;
        Reason = reason;
    }

    public static WorkingSet FromLruFlags(string reason, bool multiGenLru = false) =>
        new(multiGenLru ? HeatMethod.LruFlagsMglru : HeatMethod.LruFlags, [], [], TimeSpan.Zero, reason, "none: flags are read with the frame scan");

    /// <summary>True when the bitmaps say what is hot (otherwise the scan reads LRU flags).</summary>
    public bool HasBitmaps => Method is HeatMethod.IdleTracking or HeatMethod.DamonPaddr or HeatMethod.Damon or HeatMethod.SoftDirty;

    /// <summary>What the monitor costs while it runs.</summary>
    public string Cost { get; }

    public HeatMethod Method { get; }

    /// <summary>Accessed in the latest window (hot now).</summary>
    public ulong[] AccessedNow { get; }

    /// <summary>Accessed in one of the earlier windows kept in history (hot recently).</summary>
    public ulong[] AccessedRecently { get; }

    public TimeSpan Window { get; }

    /// <summary>Agent CPU spent starting the monitor, once per window (DAMON: writing its sysfs configuration); zero when none.</summary>
    public TimeSpan SetupCpu { get; init; }

    /// <summary>Agent CPU spent reading the monitor while it watched (DAMON: its regions); zero when the monitor does not split it.</summary>
    public TimeSpan WatchCpu { get; init; }

    /// <summary>How long the monitor watched after it started (at least the window asked for); zero when it does not split it.</summary>
    public TimeSpan Watched { get; init; }

    /// <summary>Why this method was used, for the one-line report.</summary>
    public string Reason { get; }

    /// <summary>Short name for tables and JSON.</summary>
    public static string NameOf(HeatMethod method) => method switch
    {
        HeatMethod.IdleTracking => "idle-tracking",
        HeatMethod.LruFlags => "lru-flags",
        HeatMethod.LruFlagsMglru => "lru-flags-mglru",
        HeatMethod.DamonPaddr => "damon-paddr",
        HeatMethod.Damon => "damon",
        HeatMethod.SoftDirty => "soft-dirty",
        _ => "none",
    };
}
