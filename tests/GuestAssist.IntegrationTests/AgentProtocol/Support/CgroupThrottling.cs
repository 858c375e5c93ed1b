using GuestAssist.Guest.ProcFs;
using GuestAssist.Guest.Throttling.Cgroups;

namespace GuestAssist.IntegrationTests.AgentProtocol.Support;

/// <summary>Whether the agent offers throttle.cgroup on this machine: root and a cpu or freezer cgroup hierarchy.</summary>
internal static class CgroupThrottling
{
    public static bool Offered =>
        Environment.IsPrivilegedProcess
        && (CgroupHierarchy.Find(ProcFsPaths.Live, CgroupController.Cpu, out _) ?? CgroupHierarchy.Find(ProcFsPaths.Live, CgroupController.Freezer, out _)) is not null;
}
