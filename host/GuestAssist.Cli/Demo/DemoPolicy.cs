namespace GuestAssist.Cli.Demo;

/// <summary>Background order of a demo migration.</summary>
public enum DemoPolicy
{
    /// <summary>QEMU post-copy: address order, the scan restarts at each faulted page, nothing skipped.</summary>
    AddressOrder,

    /// <summary>GuestAssist: class order from the guest's map, pre-paging around faults, free frames skipped under the dirty log.</summary>
    Enlightened,

    /// <summary>Class order and skipping, faults answered urgently, but no pre-paging re-centred on faults.</summary>
    EnlightenedWithoutPrepaging,

    /// <summary>Class order and skipping, no pivots, but each fault streams the frames above it first (experiment, see ForwardPrepagingSchedule).</summary>
    EnlightenedForwardPrepaging,
}
