using System.Runtime.InteropServices;

namespace GuestAssist.Linux.Interop;

/// <summary>struct pollfd (8 bytes): fd @0, events @4, revents @6.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct PollFd
{
    internal int Fd;
    internal short Events;
    internal short ReturnedEvents;
}
