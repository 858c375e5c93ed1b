namespace GuestAssist.Linux.Tests.Userfaultfd;

/// <summary>
/// A fact that needs root (userfaultfd for kernel faults, PAGEMAP_SCAN across processes) on Linux. One source,
/// compiled into every test project that touches userfaultfd.
/// </summary>
public sealed class UffdFactAttribute : FactAttribute
{
    public UffdFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
        {
            Skip = "userfaultfd is Linux only";
        }
        else if (!Environment.IsPrivilegedProcess)
        {
            Skip = "needs root (userfaultfd without UFFD_USER_MODE_ONLY needs CAP_SYS_PTRACE)";
        }
    }
}
