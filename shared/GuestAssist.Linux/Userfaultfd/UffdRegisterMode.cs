namespace GuestAssist.Linux.Userfaultfd;

/// <summary>UFFDIO_REGISTER_MODE_* bits.</summary>
[Flags]
public enum UffdRegisterMode : ulong
{
    None = 0,
    Missing = 1,
    WriteProtect = 2,
    Minor = 4,
}
