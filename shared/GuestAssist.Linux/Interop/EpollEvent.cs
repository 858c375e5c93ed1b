using System.Runtime.InteropServices;

namespace GuestAssist.Linux.Interop;

/// <summary>struct epoll_event (12 bytes, packed on x86_64).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 4)]
internal struct EpollEvent
{
    internal const uint In = 0x1;
    internal const uint Out = 0x4;
    internal const uint HangUp = 0x10;
    internal const uint EdgeTriggered = 1u << 31;

    public uint Events;
    public ulong Data;
}
