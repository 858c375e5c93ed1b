using System.Diagnostics;

namespace GuestAssist.Agent.Serving;

/// <summary>The guest's CLOCK_MONOTONIC in nanoseconds (Stopwatch reads CLOCK_MONOTONIC on Linux).</summary>
internal static class MonotonicClock
{
    public static ulong NowNs() => ToNs(Stopwatch.GetTimestamp());

    public static ulong ToNs(long timestamp) =>
        Stopwatch.Frequency == 1_000_000_000
            ? (ulong)timestamp
            : (ulong)(timestamp * (1_000_000_000.0 / Stopwatch.Frequency));
}
