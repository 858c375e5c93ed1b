using System.Diagnostics;
using System.Numerics;

namespace GuestAssist.Host.Measuring;

/// <summary>
/// A lock-free log-linear histogram of durations in nanoseconds: 8 sub-buckets per power of two
/// (≤ 12.5 % relative error), exact count and maximum.
/// </summary>
public sealed class LatencyHistogram
{
    private const int SubBits = 3;
    private const int SubBuckets = 1 << SubBits;
    private readonly long[] _buckets = new long[(64 - SubBits + 1) * SubBuckets];
    private long _count;
    private long _max;

    public long Count => Volatile.Read(ref _count);

    public void RecordStopwatchTicks(long ticks) =>
        RecordNanoseconds((long)(ticks * (1_000_000_000.0 / Stopwatch.Frequency)));

    public void RecordNanoseconds(long nanoseconds)
    {
        var value = (ulong)Math.Max(0, nanoseconds);
        Interlocked.Increment(ref _buckets[IndexOf(value)]);
        Interlocked.Increment(ref _count);
        RaiseMax((long)value);
    }

    /// <summary>Adds every sample of <paramref name="other"/> (e.g. to pool several runs).</summary>
    public void Add(LatencyHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        for (var i = 0; i < _buckets.Length; i++)
        {
            Interlocked.Add(ref _buckets[i], Volatile.Read(ref other._buckets[i]));
        }
        Interlocked.Add(ref _count, other.Count);
        RaiseMax(Volatile.Read(ref other._max));
    }

    /// <summary>The value at or below which <paramref name="fraction"/> of the samples lie (bucket upper bound, capped at the maximum).</summary>
    public TimeSpan Percentile(double fraction)
    {
        var count = Count;
        if (count == 0)
        {
            return TimeSpan.Zero;
        }
        var rank = (long)Math.Ceiling(Math.Clamp(fraction, 0, 1) * count);
        rank = Math.Max(rank, 1);
        long seen = 0;
        for (var i = 0; i < _buckets.Length; i++)
        {
            seen += Volatile.Read(ref _buckets[i]);
            if (seen >= rank)
            {
                return FromNanoseconds(Math.Min(UpperBound(i), (ulong)Volatile.Read(ref _max)));
            }
        }
        return FromNanoseconds((ulong)Volatile.Read(ref _max));
    }

    public BlocktimeSummary Summarize() =>
        new(Count, Percentile(0.5), Percentile(0.9), Percentile(0.99), FromNanoseconds((ulong)Volatile.Read(ref _max)));

    private void RaiseMax(long value)
    {
        var max = Volatile.Read(ref _max);
        while (value > max)
        {
            var seen = Interlocked.CompareExchange(ref _max, value, max);
            if (seen == max)
            {
                break;
            }
            max = seen;
        }
    }

    internal static int IndexOf(ulong value)
    {
        if (value < SubBuckets)
        {
            return (int)value;
        }
        var msb = 63 - BitOperations.LeadingZeroCount(value);
        return ((msb - SubBits + 1) << SubBits) + (int)((value >> (msb - SubBits)) & (SubBuckets - 1));
    }

    internal static ulong UpperBound(int index)
    {
        if (index < SubBuckets)
        {
            return (ulong)index;
        }
        var msb = (index >> SubBits) + SubBits - 1;
        var sub = (ulong)(index & (SubBuckets - 1));
        var lower = (SubBuckets + sub) << (msb - SubBits);
        return lower + (1UL << (msb - SubBits)) - 1;
    }

    private static TimeSpan FromNanoseconds(ulong nanoseconds) => TimeSpan.FromTicks((long)(nanoseconds / 100));
}
