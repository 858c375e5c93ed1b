namespace GuestAssist.IntegrationTests.AgentProtocol.Support;

/// <summary>A theory that needs a live frame scan: Linux, root, and a readable /proc/kpageflags.</summary>
public sealed class KPageFlagsTheoryAttribute : TheoryAttribute
{
    public KPageFlagsTheoryAttribute()
    {
        if (!OperatingSystem.IsLinux())
        {
            Skip = "/proc/kpageflags is Linux only";
        }
        else if (!Environment.IsPrivilegedProcess)
        {
            Skip = "needs root: /proc/kpageflags and /proc/kpagecount are CAP_SYS_ADMIN only";
        }
        else if (!File.Exists("/proc/kpageflags"))
        {
            Skip = "/proc/kpageflags is missing (CONFIG_PROC_PAGE_MONITOR off)";
        }
    }
}
