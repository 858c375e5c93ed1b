namespace GuestAssist.Host.Measuring;

/// <summary>
/// Wait times of demand faults, count and percentiles: at the destination from the fault read to the page installed
/// (<see cref="Destination.FaultServer.Blocktime"/>), at the source from the urgent request read to its page written to
/// the socket (<see cref="Source.PageServerCounters.UrgentWait"/>).
/// </summary>
public readonly record struct BlocktimeSummary(long Count, TimeSpan P50, TimeSpan P90, TimeSpan P99, TimeSpan Max)
{
    public override string ToString() =>
        $"{Count} faults, p50 {P50.TotalMicroseconds:F0} µs, p90 {P90.TotalMicroseconds:F0} µs, p99 {P99.TotalMicroseconds:F0} µs, max {Max.TotalMicroseconds:F0} µs";
}
