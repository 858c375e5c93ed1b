using GuestAssist.Protocol.V1;

namespace GuestAssist.Guest.Heat;

/// <summary>
/// Which frames were accessed lately, as PFN-indexed bitmaps (bit i%64 of word i/64). With
/// <see cref="HeatMethod.LruFlags"/> the bitmaps are empty and heat comes from the LRU flags at scan time.
/// </summary>
public sealed class WorkingSet
{
    internal WorkingSet(HeatMethod method, ulong[] accessedNow, ulong[] accessedRecently, TimeSpan window, string reason)
    {
        Method = method;
        AccessedNow = accessedNow;
        AccessedRecently = accessedRecently;
        Window = window;
        Reason = reason;
    }

    public static WorkingSet FromLruFlags(string reason) => new(HeatMethod.LruFlags, [], [], TimeSpan.Zero, reason);

    public HeatMethod Method { get; }

    /// <summary>Accessed in the latest window (hot now).</summary>
    public ulong[] AccessedNow { get; }

    /// <summary>Accessed in one of the earlier windows kept in history (hot recently).</summary>
    public ulong[] AccessedRecently { get; }

    public TimeSpan Window { get; }

    /// <summary>Why this method was used, for the one-line report.</summary>
    public string Reason { get; }

    /// <summary>Short name for tables and JSON.</summary>
    public static string NameOf(HeatMethod method) => method switch
    {
        HeatMethod.IdleTracking => "idle-tracking",
        HeatMethod.LruFlags => "lru-flags",
        _ => "none",
    };
}
