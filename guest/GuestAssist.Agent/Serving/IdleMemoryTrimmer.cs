using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace GuestAssist.Agent.Serving;

/// <summary>
/// Gives memory back once a burst of scans is over, and once after start (configuration, probing and hosting
/// leave garbage the GC would otherwise keep committed while the agent idles). After <c>delay</c> without
/// work it runs one aggressive, compacting collection (which decommits free regions); a timer that is
/// re-armed only by work, so an idle agent never wakes for it.
/// </summary>
public sealed class IdleMemoryTrimmer : IDisposable
{
    /// <summary>The agent is listening within ~50 ms of exec: by then the start-up garbage is all there.</summary>
    private static readonly TimeSpan AfterStart = TimeSpan.FromMilliseconds(250);

    private readonly TimeSpan _delay;
    private readonly Timer _timer;
    private readonly ILogger _logger;
    private int _busy;

    public IdleMemoryTrimmer(TimeSpan delay, ILogger? logger = null)
    {
        _delay = delay;
        _logger = logger ?? NullLogger.Instance;
        _timer = new Timer(static state => ((IdleMemoryTrimmer)state!).TrimIfIdle(), this, delay >= TimeSpan.Zero ? AfterStart : Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Collections run so far (for tests and diagnostics).</summary>
    public int Trims { get; private set; }

    public void WorkStarted()
    {
        Interlocked.Increment(ref _busy);
        _timer.Change(Timeout.Infinite, Timeout.Infinite);
    }

    public void WorkEnded()
    {
        if (Interlocked.Decrement(ref _busy) == 0 && _delay >= TimeSpan.Zero)
        {
            _timer.Change(_delay, Timeout.InfiniteTimeSpan);
        }
    }

    private void TrimIfIdle()
    {
        if (Volatile.Read(ref _busy) != 0)
        {
            return;
        }
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        Trims++;
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            var gc = GC.GetGCMemoryInfo(GCKind.Any);
            _logger.MemoryTrimmed(gc.HeapSizeBytes >> 10, gc.FragmentedBytes >> 10, gc.TotalCommittedBytes >> 10, GC.GetTotalAllocatedBytes() >> 20, Environment.WorkingSet >> 10);
        }
    }

    public void Dispose() => _timer.Dispose();
}
