using System.Diagnostics;
using System.Globalization;

namespace GuestAssist.GuestRig.Tests.Migration;

/// <summary>
/// The service's throughput over one run, from migload's `TPUT ms operations errors` lines (running totals) as the
/// host received them: the source's console until the switchover, the destination's after. Rates use the host's
/// arrival times, so a stalled guest shows as a long interval of few operations.
/// </summary>
public sealed class ThroughputTrace
{
    private ThroughputTrace(IReadOnlyList<ThroughputSample> samples, long errors)
    {
        Samples = samples;
        Errors = errors;
    }

    /// <summary>migload prints every 100 ms; a sample is never shorter than most of that.</summary>
    public const double MinimumInterval = 0.08;

    public IReadOnlyList<ThroughputSample> Samples { get; }

    /// <summary>Wrong records the service found while it ran.</summary>
    public long Errors { get; }

    public static ThroughputTrace From(long evictionStart, IEnumerable<TimedLine> lines)
    {
        var samples = new List<ThroughputSample>();
        (double Seconds, long Operations)? previous = null;
        long errors = 0;
        foreach (var line in lines.OrderBy(l => l.Timestamp))
        {
            var fields = line.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length != 4 || fields[0] != "TPUT"
                || !long.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var operations)
                || !long.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out var wrong))
            {
                continue;
            }
            errors = Math.Max(errors, wrong);
            var seconds = (double)(line.Timestamp - evictionStart) / Stopwatch.Frequency;
            if (previous is not { } p)
            {
                previous = (seconds, operations);
                continue;
            }
            // Lines held up behind a stall arrive in a burst: a sample spans at least MinimumInterval of host time,
            // so a burst adds to its neighbour's interval instead of showing as a spike.
            if (operations >= p.Operations && seconds - p.Seconds >= MinimumInterval)
            {
                var interval = seconds - p.Seconds;
                samples.Add(new ThroughputSample(seconds, (operations - p.Operations) / interval, interval));
                previous = (seconds, operations);
            }
        }
        return new ThroughputTrace(samples, errors);
    }

    /// <summary>Median rate of samples inside [from, to).</summary>
    public double MedianRate(double from, double to)
    {
        var rates = Samples.Where(s => s.Seconds >= from && s.Seconds < to).Select(s => s.OperationsPerSecond).Order().ToList();
        return rates.Count == 0 ? double.NaN : rates[rates.Count / 2];
    }

    /// <summary>Operations per second over [from, to): the work done in it over its length (a stretch without lines did none).</summary>
    public double MeanRate(double from, double to) => to > from ? (1 - Deficit(1, from, to) / (to - from)) : double.NaN;

    /// <summary>
    /// First time after <paramref name="after"/> from which the rate averaged over a 1 s window stays at or above
    /// <paramref name="rate"/> for that window: when the service has recovered.
    /// </summary>
    public double RecoveredAt(double after, double rate)
    {
        var later = Samples.Where(s => s.Seconds > after).ToList();
        for (var i = 0; i < later.Count; i++)
        {
            var start = later[i].Seconds - later[i].IntervalSeconds;
            double operations = 0, span = 0;
            for (var j = i; j < later.Count && span < 1.0; j++)
            {
                operations += later[j].OperationsPerSecond * later[j].IntervalSeconds;
                span = later[j].Seconds - start;
            }
            if (span >= 1.0 && operations / span >= rate)
            {
                return Math.Max(after, start);
            }
        }
        return double.NaN;
    }

    /// <summary>
    /// Work lost against <paramref name="baseline"/> over [from, to], in seconds of baseline work: what the baseline
    /// would have done minus what was done (a stretch above the baseline offsets one below, so noise averages out and
    /// windows of different lengths compare).
    /// </summary>
    public double Deficit(double baseline, double from, double to)
    {
        double lost = 0, covered = from;
        foreach (var sample in Samples)
        {
            var start = Math.Max(from, sample.Seconds - sample.IntervalSeconds);
            var end = Math.Min(to, sample.Seconds);
            if (end <= start)
            {
                continue;
            }
            if (start > covered)
            {
                lost += start - covered; // no line at all: the guest did nothing the host saw
            }
            lost += (end - start) * (1 - sample.OperationsPerSecond / baseline);
            covered = Math.Max(covered, end);
        }
        if (to > covered)
        {
            lost += to - covered;
        }
        return lost;
    }

    /// <summary>
    /// Work lost until the service recovered: before <paramref name="switchover"/> against <paramref name="baseline"/>,
    /// after it against <paramref name="steady"/> until the end of the first 1 s that averaged 90% of it (the whole
    /// window if none did, or if the VM never left). What the window adds after that is the machine's own swing.
    /// </summary>
    public double DeficitToRecovery(double baseline, double steady, double switchover, double windowSeconds)
    {
        if (double.IsNaN(switchover))
        {
            return Deficit(baseline, 0, windowSeconds);
        }
        var recovered = RecoveredAt(switchover, 0.9 * steady);
        var end = double.IsNaN(recovered) ? windowSeconds : Math.Min(windowSeconds, recovered + 1);
        return Deficit(baseline, 0, switchover) + Deficit(steady, switchover, end);
    }
}
