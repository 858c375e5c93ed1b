using System.Diagnostics;

namespace GuestAssist.GuestRig.Tests.Migration;

/// <summary>A QEMU's serial console as timed lines (one clock for every QEMU of a run, so source and destination line up).</summary>
public sealed class TimedConsole
{
    private readonly Lock _gate = new();
    private readonly List<TimedLine> _lines = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _closed;

    public void Append(string text)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            _lines.Add(new TimedLine(Stopwatch.GetTimestamp(), text.TrimEnd('\r')));
            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }

    public void Close()
    {
        lock (_gate)
        {
            _closed = true;
        }
        _changed.TrySetResult();
    }

    public IReadOnlyList<TimedLine> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>The first line at or after index <paramref name="from"/> that starts with <paramref name="prefix"/>.</summary>
    public async Task<TimedLine> WaitForAsync(string prefix, string what, TimeSpan timeout, int from = 0)
    {
        var waited = Stopwatch.StartNew();
        var seen = from;
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                for (; seen < _lines.Count; seen++)
                {
                    if (_lines[seen].Text.StartsWith(prefix, StringComparison.Ordinal))
                    {
                        return _lines[seen];
                    }
                }
                if (_closed)
                {
                    throw new InvalidOperationException($"QEMU exited before its console showed {what}");
                }
                changed = _changed.Task;
            }
            var left = timeout - waited.Elapsed;
            if (left <= TimeSpan.Zero || await Task.WhenAny(changed, Task.Delay(left)) != changed)
            {
                throw new TimeoutException($"the console did not show {what} within {timeout.TotalSeconds:0} s");
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _lines.Count;
            }
        }
    }

    public string Format(long origin) => string.Join('\n', Lines.Select(l => $"[{Stopwatch.GetElapsedTime(origin, l.Timestamp).TotalSeconds,8:0.000}] {l.Text}"));
}
