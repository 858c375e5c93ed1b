using GuestAssist.Host.Measuring;

namespace GuestAssist.Cli.Evict;

/// <summary>The urgent requests' wait at the page server in `evict --json` lines, microseconds.</summary>
internal sealed record EvictJsonLatency(long Count, double P50Us, double P90Us, double P99Us, double MaxUs)
{
    public static EvictJsonLatency? From(BlocktimeSummary summary) => summary.Count == 0
        ? null
        : new EvictJsonLatency(
            summary.Count,
            Math.Round(summary.P50.TotalMicroseconds, 1),
            Math.Round(summary.P90.TotalMicroseconds, 1),
            Math.Round(summary.P99.TotalMicroseconds, 1),
            Math.Round(summary.Max.TotalMicroseconds, 1));
}
