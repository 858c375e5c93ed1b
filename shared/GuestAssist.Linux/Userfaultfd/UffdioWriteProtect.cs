using System.Runtime.InteropServices;

namespace GuestAssist.Linux.Userfaultfd;

/// <summary>struct uffdio_writeprotect (24 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct UffdioWriteProtect
{
    public UffdioRange Range;
    public ulong Mode;
}
