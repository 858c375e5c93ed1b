namespace GuestAssist.Host.Destination;

/// <summary>Fault wait times (fault read → page installed): count and percentiles.</summary>
public readonly record struct BlocktimeSummary(long Count, TimeSpan P50, TimeSpan P90, TimeSpan P99, TimeSpan Max)
{
    public override string ToString() =>
        $"{Count} faults, p50 {P50.TotalMicroseconds:F0} µs, p90 {P90.TotalMicroseconds:F0} µs, p99 {P99.TotalMicroseconds:F0} µs, max {Max.TotalMicroseconds:F0} µs";
}
