namespace GuestAssist.Agent.Serving;

/// <summary>
/// Gives memory back once a burst of scans is over: a map with heat and owners allocates tens of MB
/// (owner indexes, runs, chunks) that the GC would otherwise keep committed while the agent idles. After
/// <c>delay</c> without work it runs one aggressive, compacting collection (which decommits free regions);
/// a timer that is re-armed only by work, so an idle agent never wakes for it.
/// </summary>
public sealed class IdleMemoryTrimmer : IDisposable
{
    private readonly TimeSpan _delay;
    private readonly Timer _timer;
    private int _busy;

    public IdleMemoryTrimmer(TimeSpan delay)
    {
        _delay = delay;
        _timer = new Timer(static state => ((IdleMemoryTrimmer)state!).TrimIfIdle(), this, Timeout.Infinite, Timeout.Infinite);
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
    }

    public void Dispose() => _timer.Dispose();
}
