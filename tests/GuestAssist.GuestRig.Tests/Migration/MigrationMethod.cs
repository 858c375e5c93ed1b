namespace GuestAssist.GuestRig.Tests.Migration;

/// <summary>How the VM leaves the source: GuestAssist's post-copy in two orders, or QEMU's own migration.</summary>
public enum MigrationMethod
{
    /// <summary>
    /// The agent's class map (heat, free frames skipped under the dirty log), throttling, and the hybrid push: the
    /// kernel and hot frames cross while the VM still runs (what the dirty log shows rewritten goes again at the
    /// pause), the rest in the planner's order after the switchover.
    /// </summary>
    GuestAssistEnlightened,

    /// <summary>The same map and order, pure post-copy: nothing moves before the switchover.</summary>
    GuestAssistPostcopy,

    /// <summary>The same engine, agent and dirty log, pages in address order.</summary>
    GuestAssistAddressOrder,

    QemuPostcopy,

    QemuPostcopyPreempt,

    QemuPrecopy,

    QemuPrecopyAutoConverge,
}
