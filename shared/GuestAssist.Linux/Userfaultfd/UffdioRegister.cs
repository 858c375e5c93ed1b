using System.Runtime.InteropServices;

namespace GuestAssist.Linux.Userfaultfd;

/// <summary>struct uffdio_register (32 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct UffdioRegister
{
    public UffdioRange Range;
    public ulong Mode;
    public ulong Ioctls;
}
