namespace GuestAssist.Linux.Userfaultfd;

/// <summary>UFFD_PAGEFAULT_FLAG_* bits.</summary>
[Flags]
public enum UffdPagefaultFlags : ulong
{
    None = 0,
    Write = 1,
    WriteProtect = 2,
    Minor = 4,
}
