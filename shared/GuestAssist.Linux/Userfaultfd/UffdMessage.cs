using System.Runtime.InteropServices;

namespace GuestAssist.Linux.Userfaultfd;

/// <summary>struct uffd_msg as read(2) returns it: 32 bytes, event at 0, a union of u64/u32 fields from 8.</summary>
[StructLayout(LayoutKind.Explicit, Size = 32)]
internal struct UffdMessage
{
    [FieldOffset(0)]
    public byte Event;

    [FieldOffset(8)]
    public ulong Arg0;

    [FieldOffset(16)]
    public ulong Arg1;

    [FieldOffset(24)]
    public ulong Arg2;

    /// <summary>pagefault.feat.ptid (u32 at 24).</summary>
    [FieldOffset(24)]
    public uint ThreadId;

    /// <summary>fork.ufd (u32 at 8).</summary>
    [FieldOffset(8)]
    public uint ForkFd;
}
