using System.Diagnostics;

namespace GuestAssist.Host.Destination;

/// <summary>
/// Frames the destination installed and has not yet confirmed to the source, as merged runs; thread-safe. The
/// receive loops add each installed run and take the pending ones when enough frames or time have gathered; a run
/// that could not be written goes back, so a cut channel only delays a confirmation. Runs written on the current
/// connection are kept too: a write that succeeded can still be lost with the connection (the source may close its end
/// before it read them), so a new connection confirms them again. The source ignores a frame confirmed twice.
/// </summary>
internal sealed class InstalledConfirmations(int everyFrames, TimeSpan interval)
{
    private readonly Lock _gate = new();
    private readonly long _intervalTicks = (long)(interval.TotalSeconds * Stopwatch.Frequency);
    private List<(ulong First, ulong Count)> _pending = [];
    private List<(ulong First, ulong Count)> _written = [];
    private long _pendingFrames;
    private long _added;
    private long _lastTaken = Stopwatch.GetTimestamp();

    /// <summary>Frames added since the start (each installed frame once).</summary>
    public long Added => Interlocked.Read(ref _added);

    /// <summary>True while some installed frames wait to be confirmed.</summary>
    public bool HasPending
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count > 0;
            }
        }
    }

    public void Add(ulong first, ulong count)
    {
        lock (_gate)
        {
            Append(_pending, (first, count));
            _pendingFrames += (long)count;
        }
        Interlocked.Add(ref _added, (long)count);
    }

    /// <summary>Takes every pending run, sorted and merged, when <paramref name="force"/>d or due; empty otherwise.</summary>
    public List<(ulong First, ulong Count)> TakeIfDue(bool force)
    {
        List<(ulong First, ulong Count)> taken;
        lock (_gate)
        {
            var now = Stopwatch.GetTimestamp();
            if (_pending.Count == 0 || (!force && _pendingFrames < everyFrames && now - _lastTaken < _intervalTicks))
            {
                return [];
            }
            taken = _pending;
            _pending = [];
            _pendingFrames = 0;
            _lastTaken = now;
        }
        taken.Sort((a, b) => a.First.CompareTo(b.First));
        var merged = new List<(ulong First, ulong Count)>(taken.Count);
        foreach (var run in taken)
        {
            if (merged.Count > 0 && merged[^1].First + merged[^1].Count == run.First)
            {
                merged[^1] = (merged[^1].First, merged[^1].Count + run.Count);
            }
            else
            {
                merged.Add(run);
            }
        }
        return merged;
    }

    /// <summary>Puts runs that could not be sent back, to go with the next confirmation.</summary>
    public void Return(IEnumerable<(ulong First, ulong Count)> runs)
    {
        lock (_gate)
        {
            AddPending(runs);
        }
    }

    /// <summary>Records runs written on the current connection: they are confirmed again if it is replaced.</summary>
    public void Written(IEnumerable<(ulong First, ulong Count)> runs)
    {
        lock (_gate)
        {
            foreach (var run in runs)
            {
                Append(_written, run);
            }
        }
    }

    /// <summary>A new connection replaces the last one: what was written on that one is pending again.</summary>
    public void ConnectionReplaced()
    {
        lock (_gate)
        {
            AddPending(_written);
            _written = [];
        }
    }

    private void AddPending(IEnumerable<(ulong First, ulong Count)> runs)
    {
        foreach (var run in runs)
        {
            _pending.Add(run);
            _pendingFrames += (long)run.Count;
        }
    }

    /// <summary>Adds a run, merged into the last one when it continues it.</summary>
    private static void Append(List<(ulong First, ulong Count)> runs, (ulong First, ulong Count) run)
    {
        if (runs.Count > 0 && runs[^1].First + runs[^1].Count == run.First)
        {
            runs[^1] = (runs[^1].First, runs[^1].Count + run.Count);
        }
        else
        {
            runs.Add(run);
        }
    }
}
