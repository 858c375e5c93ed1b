namespace GuestAssist.Cli.Tests.Demo;

/// <summary>A fact that needs userfaultfd for kernel faults (root: CAP_SYS_PTRACE) on Linux.</summary>
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
