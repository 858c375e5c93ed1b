using GuestAssist.Guest.ProcFs;
using GuestAssist.Guest.Throttling;
using GuestAssist.Guest.Throttling.Cgroups;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Agent.Serving;

/// <summary>
/// The actuator for a SetThrottlePolicy method: SIGSTOP duty cycling (also for UNSPECIFIED: it works for any
/// process on any kernel), a cgroup CPU bandwidth limit, or cgroup-freezer duty cycling; v2 where the kernel
/// offers the controller there, else v1. Null with the reason when this guest cannot do it.
/// </summary>
internal static class ThrottleActuatorFactory
{
    public static IThrottleActuator? Create(ThrottleMethod method, ProcFsPaths paths, ThrottleJournal journal, out string reason)
    {
        switch (method)
        {
            case ThrottleMethod.Unspecified or ThrottleMethod.SigstopDuty:
                reason = "SIGSTOP/SIGCONT duty cycling";
                return new DutyCycler(journal, ThrottlePolicy.DefaultPeriod, ThrottlePolicy.DefaultMaxStop);
            case ThrottleMethod.CgroupCpu:
                if (Usable(CgroupHierarchy.Find(paths, CgroupController.Cpu, out reason), ref reason) is { } cpu)
                {
                    return new CgroupCpuLimiter(paths, cpu, journal);
                }
                return null;
            case ThrottleMethod.CgroupFreeze:
                if (Usable(CgroupHierarchy.Find(paths, CgroupController.Freezer, out reason), ref reason) is { } freezer)
                {
                    return new DutyCycler(journal, ThrottlePolicy.DefaultPeriod, ThrottlePolicy.DefaultMaxStop, new FreezerPauser(paths, freezer));
                }
                return null;
            default:
                reason = $"unknown throttle method {method}";
                return null;
        }
    }

    /// <summary>What this guest offers, for the handshake: "throttle.cgroup" needs a writable cpu or freezer hierarchy.</summary>
    public static bool CgroupsUsable(ProcFsPaths paths) =>
        Usable(CgroupHierarchy.Find(paths, CgroupController.Cpu, out var cpu), ref cpu) is not null
        || Usable(CgroupHierarchy.Find(paths, CgroupController.Freezer, out var freezer), ref freezer) is not null;

    private static CgroupHierarchy? Usable(CgroupHierarchy? hierarchy, ref string reason)
    {
        if (hierarchy is null)
        {
            return null;
        }
        if (!Environment.IsPrivilegedProcess || IsReadOnly(hierarchy.Mount))
        {
            reason = $"{reason} is not writable here (needs root and a writable cgroup mount)";
            return null;
        }
        return hierarchy;
    }

    private static bool IsReadOnly(string mount)
    {
        try
        {
            var probe = Path.Combine(mount, "cgroup.procs");
            using var handle = File.OpenHandle(probe, FileMode.Open, FileAccess.Write);
            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return true;
        }
    }
}
