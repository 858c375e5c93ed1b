namespace GuestAssist.Host.Source;

/// <summary>
/// A link limit shared by the urgent and the background channel. Background transfers wait until the bucket
/// is not in debt and then take their bytes (possibly going into debt); urgent transfers take their bytes at once,
/// going into debt, and wait only when the debt exceeds what background traffic can explain (the largest background
/// take) by more than the burst: an urgent page jumps the queue as on a link with priority queueing, and the debt it
/// makes is repaid by the background waiting longer. Over any interval the bytes granted stay within
/// rate × time + 2 × burst + the largest background take.
/// </summary>
public sealed class TokenBucket
{
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly double _bytesPerTick;
    private readonly double _burst;
    private double _tokens;
    private long _last;
    private long _granted;
    private long _largestBackground;

    public TokenBucket(LinkRate rate, long burstBytes = 256 * 1024, TimeProvider? time = null)
    {
        if (rate.IsUnlimited)
        {
            throw new ArgumentException("an unlimited link needs no token bucket", nameof(rate));
        }
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(burstBytes);
        _time = time ?? TimeProvider.System;
        Rate = rate;
        _bytesPerTick = rate.BytesPerSecond / _time.TimestampFrequency;
        _burst = burstBytes;
        _tokens = burstBytes;
        _last = _time.GetTimestamp();
    }

    public LinkRate Rate { get; }

    /// <summary>Total bytes handed out so far.</summary>
    public long GrantedBytes => Interlocked.Read(ref _granted);

    /// <summary>
    /// Tries to take <paramref name="bytes"/>. Zero = taken (for urgent traffic also when a positive wait is returned:
    /// the caller should pause that long to honour the link). For background traffic a positive result means
    /// nothing was taken: wait that long and try again.
    /// </summary>
    public TimeSpan TryTake(long bytes, TrafficClass trafficClass)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        lock (_gate)
        {
            Refill();
            if (trafficClass == TrafficClass.Background && _tokens < 0)
            {
                return Ticks(-_tokens);
            }
            _tokens -= bytes;
            _granted += bytes;
            if (trafficClass == TrafficClass.Background)
            {
                _largestBackground = Math.Max(_largestBackground, bytes);
                return TimeSpan.Zero;
            }
            var allowance = _burst + _largestBackground;
            return _tokens < -allowance ? Ticks(-_tokens - allowance) : TimeSpan.Zero;
        }
    }

    /// <summary>Takes <paramref name="bytes"/>, sleeping as the link requires.</summary>
    public void Take(long bytes, TrafficClass trafficClass, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var wait = TryTake(bytes, trafficClass);
            if (wait > TimeSpan.Zero)
            {
                cancellationToken.WaitHandle.WaitOne(wait);
                cancellationToken.ThrowIfCancellationRequested();
            }
            if (trafficClass == TrafficClass.Urgent || wait == TimeSpan.Zero)
            {
                return;
            }
        }
    }

    private void Refill()
    {
        var now = _time.GetTimestamp();
        _tokens = Math.Min(_burst, _tokens + ((now - _last) * _bytesPerTick));
        _last = now;
    }

    private TimeSpan Ticks(double bytes) => _time.GetElapsedTime(0, (long)Math.Ceiling(bytes / _bytesPerTick));
}
