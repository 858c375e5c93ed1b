using System.Runtime.InteropServices;

namespace GuestAssist.Linux.Interop;

/// <summary>struct timespec on x86_64: tv_sec and tv_nsec, both 64-bit.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct TimeSpec
{
    public long Seconds;
    public long Nanoseconds;
}
