namespace GuestAssist.GuestRig.Tests.Migration;

/// <summary>How the VM leaves the source: GuestAssist's post-copy in two orders, or QEMU's own migration.</summary>
public enum MigrationMethod
{
    /// <summary>The agent's class map (heat, free frames skipped under the dirty log), the planner's order, throttling.</summary>
    GuestAssistEnlightened,

    /// <summary>The same engine, agent and dirty log, pages in address order.</summary>
    GuestAssistAddressOrder,

    QemuPostcopy,

    QemuPostcopyPreempt,

    QemuPrecopy,

    QemuPrecopyAutoConverge,
}
