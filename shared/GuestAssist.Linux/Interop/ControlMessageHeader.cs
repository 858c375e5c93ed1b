using System.Runtime.InteropServices;

namespace GuestAssist.Linux.Interop;

/// <summary>struct cmsghdr (x86_64: 16 bytes, data follows aligned to 8).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ControlMessageHeader
{
    internal const int SolSocket = 1;
    internal const int ScmRights = 1;

    public nuint Length;
    public int Level;
    public int Type;
}
