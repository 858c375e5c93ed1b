namespace GuestAssist.Host.EvictionSession;

/// <summary>Which order the background stream sends pages in.</summary>
public enum EvictionOrder
{
    /// <summary>The transfer planner's: class order, pre-paging around faults, skipping under a covering dirty log.</summary>
    Planner,

    /// <summary>Address order, restarting at each fault (QEMU post-copy), for comparison; nothing skipped.</summary>
    AddressOrder,
}
