using System.Runtime.InteropServices;

namespace GuestAssist.Linux.Userfaultfd;

/// <summary>struct uffdio_copy (40 bytes); Copy is written by the kernel (bytes copied or -errno).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct UffdioCopy
{
    public ulong Destination;
    public ulong Source;
    public ulong Length;
    public ulong Mode;
    public long Copy;
}
