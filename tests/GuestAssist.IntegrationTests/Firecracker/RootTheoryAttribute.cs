namespace GuestAssist.IntegrationTests.Firecracker;

/// <summary>A theory that needs root (userfaultfd for kernel faults needs CAP_SYS_PTRACE) on Linux.</summary>
public sealed class RootTheoryAttribute : TheoryAttribute
{
    public RootTheoryAttribute()
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
