namespace GuestAssist.Guest.Throttling.Cgroups;

/// <summary>The cgroup controllers the throttler drives.</summary>
public enum CgroupController
{
    /// <summary>CPU bandwidth: v2 cpu.max, v1 cpu.cfs_quota_us / cpu.cfs_period_us.</summary>
    Cpu,

    /// <summary>Freezing: v2 cgroup.freeze (core, no controller to enable), v1 freezer.state.</summary>
    Freezer,
}
