using System.Runtime.InteropServices;

namespace GuestAssist.Linux.Userfaultfd;

/// <summary>struct uffdio_api (24 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct UffdioApi
{
    public ulong Api;
    public ulong Features;
    public ulong Ioctls;
}
