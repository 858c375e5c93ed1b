using System.Runtime.InteropServices;

namespace GuestAssist.Linux.Interop;

/// <summary>struct msghdr (x86_64: 56 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct MessageHeader
{
    public void* Name;
    public uint NameLength;
    public IoVector* Vectors;
    public nuint VectorCount;
    public void* Control;
    public nuint ControlLength;
    public int Flags;
}
