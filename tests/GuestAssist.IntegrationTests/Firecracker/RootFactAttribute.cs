namespace GuestAssist.IntegrationTests.Firecracker;

/// <summary>A fact that needs root (userfaultfd for kernel faults needs CAP_SYS_PTRACE) on Linux.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
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
