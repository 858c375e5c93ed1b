using GuestAssist.Linux.Errors;
using GuestAssist.Linux.Interop;

namespace GuestAssist.Linux.Time;

/// <summary>CLOCK_MONOTONIC of this host, in nanoseconds: the clock dirty-log and map files record their times in.</summary>
internal static class MonotonicClock
{
    public static ulong NowNs()
    {
        if (Libc.ClockGettime(Libc.CLOCK_MONOTONIC, out var now) != 0)
        {
            LinuxException.ThrowLast("clock_gettime", "CLOCK_MONOTONIC");
        }
        return (ulong)now.Seconds * 1_000_000_000UL + (ulong)now.Nanoseconds;
    }
}
