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
            if (_pending.Count > 0 && _pending[^1].First + _pending[^1].Count == first)
            {
                _pending[^1] = (_pending[^1].First, _pending[^1].Count + count);
            }
            else
            {
                _pending.Add((first, count));
            }
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
            foreach (var run in runs)
            {
                _pending.Add(run);
                _pendingFrames += (long)run.Count;
            }
        }
    }

    /// <summary>Records runs written on the current connection: they are confirmed again if it is replaced.</summary>
    public void Written(IEnumerable<(ulong First, ulong Count)> runs)
    {
        lock (_gate)
        {
            foreach (var run in runs)
            {
                if (_written.Count > 0 && _written[^1].First + _written[^1].Count == run.First)
                {
                    _written[^1] = (_written[^1].First, _written[^1].Count + run.Count);
                }
                else
                {
                    _written.Add(run);
                }
            }
        }
    }

    /// <summary>A new connection replaces the last one: what was written on that one is pending again.</summary>
    public void ConnectionReplaced()
    {
        lock (_gate)
        {
            foreach (var run in _written)
            {
                _pending.Add(run);
                _pendingFrames += (long)run.Count;
            }
            _written = [];
        }
    }
}
