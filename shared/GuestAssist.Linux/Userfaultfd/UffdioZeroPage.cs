using System.Runtime.InteropServices;

namespace GuestAssist.Linux.Userfaultfd;

/// <summary>struct uffdio_zeropage (32 bytes); ZeroPage is written by the kernel (bytes zeroed or -errno).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct UffdioZeroPage
{
    public UffdioRange Range;
    public ulong Mode;
    public long ZeroPage;
}
