namespace GuestAssist.IntegrationTests.AgentProtocol.Support;

/// <summary>A fact that needs a live frame scan: Linux, root, and a readable /proc/kpageflags.</summary>
public sealed class KPageFlagsFactAttribute : FactAttribute
{
    public KPageFlagsFactAttribute() => Skip = SkipReason();

    /// <summary>Why a live-scan test cannot run here; null when it can (shared with <see cref="KPageFlagsTheoryAttribute"/>).</summary>
    internal static string? SkipReason() =>
        !OperatingSystem.IsLinux() ? "/proc/kpageflags is Linux only"
        : !Environment.IsPrivilegedProcess ? "needs root: /proc/kpageflags and /proc/kpagecount are CAP_SYS_ADMIN only"
        : !File.Exists("/proc/kpageflags") ? "/proc/kpageflags is missing (CONFIG_PROC_PAGE_MONITOR off)"
        : null;
}
