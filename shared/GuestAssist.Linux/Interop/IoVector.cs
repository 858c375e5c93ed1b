using System.Runtime.InteropServices;

namespace GuestAssist.Linux.Interop;

/// <summary>struct iovec (16 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct IoVector
{
    public void* Base;
    public nuint Length;
}
