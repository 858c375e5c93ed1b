namespace GuestAssist.Host.EvictionSession;

/// <summary>Where the map's heat (the hot working set, sent first) comes from.</summary>
public enum EvictionHeat
{
    /// <summary>The agent samples it in the guest over its heat window (DAMON, idle tracking or soft-dirty), before the scan.</summary>
    Agent,

    /// <summary>
    /// The host's live write log (<see cref="EvictionOptions.StartDirtyLog"/>): frames written since it started are the hot
    /// set, and the agent scans without a heat window. Costs the guest nothing and saves the window, but sees writes only (as
    /// soft-dirty does); without a live log the agent's heat is used.
    /// </summary>
    HostWriteLog,
}
