using System.Diagnostics;
using System.Globalization;
using GuestAssist.GuestRig.Tests.Migration;

namespace GuestAssist.GuestRig.Tests.Measuring;

/// <summary>The benchmark's arithmetic on synthetic traces: migload's running totals every 100 ms, rates known.</summary>
public sealed class ThroughputTraceTests
{
    private static readonly long Origin = Stopwatch.GetTimestamp();

    /// <summary>A trace from -10 s to <paramref name="end"/> at the rate <paramref name="rateAt"/> gives for each 100 ms.</summary>
    private static ThroughputTrace Trace(Func<double, double> rateAt, double end = 30)
    {
        var lines = new List<TimedLine>();
        double operations = 0;
        for (var t = -10.0; t <= end + 1e-9; t += 0.1)
        {
            operations += rateAt(t) * 0.1;
            var timestamp = Origin + (long)(t * Stopwatch.Frequency);
            lines.Add(new TimedLine(timestamp, string.Create(CultureInfo.InvariantCulture, $"TPUT {(int)((t + 10) * 1000)} {(long)operations} 0")));
        }
        return ThroughputTrace.From(Origin, lines);
    }

    [Fact]
    public void Deficit_to_recovery_counts_the_stall_and_not_a_later_swing()
    {
        // Baseline 1000, switchover at 2 s, nothing until 5 s, then 1000 again; a dip to 500 from 15 to 20 s is the machine's.
        var trace = Trace(t => t is >= 2 and < 5 ? 0 : t is >= 15 and < 20 ? 500 : 1000);

        var toRecovery = trace.DeficitToRecovery(1000, 1000, 2, 30);
        var wholeWindow = trace.Deficit(1000, 0, 30);

        Assert.InRange(toRecovery, 2.8, 3.2);
        Assert.InRange(wholeWindow, 5.3, 5.7);
    }

    [Fact]
    public void Deficit_to_recovery_is_the_whole_window_when_the_service_never_recovers()
    {
        var trace = Trace(t => t >= 2 ? 300 : 1000);

        Assert.Equal(trace.Deficit(1000, 0, 2) + trace.Deficit(1000, 2, 30), trace.DeficitToRecovery(1000, 1000, 2, 30), 6);
    }

    [Fact]
    public void Deficit_to_recovery_counts_the_whole_window_against_the_baseline_when_the_vm_never_left()
    {
        var trace = Trace(_ => 800);

        Assert.InRange(trace.DeficitToRecovery(1000, 1000, double.NaN, 30), 5.8, 6.2);
    }

    [Fact]
    public void Mean_rate_counts_a_stall_the_median_leaves_out()
    {
        var trace = Trace(t => t is >= 2 and < 5 ? 0 : 1000);

        Assert.InRange(trace.MeanRate(0, 10), 690, 710);
        Assert.InRange(trace.MedianRate(0, 10), 990, 1010);
    }
}
