using System.Diagnostics;

namespace GuestAssist.Host.DirtyLog;

/// <summary>
/// Converts between the library's host timestamps (Stopwatch ticks, which on Linux read CLOCK_MONOTONIC) and the
/// CLOCK_MONOTONIC nanoseconds that files carry (map files, dirty-bitmap files), so times written by another process
/// on the same host line up with the planner's.
/// </summary>
internal static class HostClock
{
    public static ulong ToMonotonicNs(long stopwatchTicks) =>
        Stopwatch.Frequency == 1_000_000_000
            ? (ulong)stopwatchTicks
            : (ulong)((Int128)stopwatchTicks * 1_000_000_000 / Stopwatch.Frequency);

    public static long FromMonotonicNs(ulong nanoseconds) =>
        Stopwatch.Frequency == 1_000_000_000
            ? (long)nanoseconds
            : (long)((Int128)nanoseconds * Stopwatch.Frequency / 1_000_000_000);
}
