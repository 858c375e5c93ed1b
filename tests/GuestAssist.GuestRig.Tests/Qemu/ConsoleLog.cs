using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace GuestAssist.GuestRig.Tests.Qemu;

/// <summary>The guest's serial console, line by line with the host time since launch; waiters wake on each line.</summary>
public sealed class ConsoleLog
{
    private readonly Lock _gate = new();
    private readonly List<string> _lines = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _closed;

    public TimeSpan Elapsed => _clock.Elapsed;

    public void Append(string line)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            _lines.Add(line.TrimEnd('\r'));
            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }

    public void Close(string reason)
    {
        Append($"[console closed: {reason}]");
        lock (_gate)
        {
            _closed = true;
        }
    }

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>Waits for the first line matching <paramref name="match"/>; throws naming <paramref name="what"/> on timeout or when QEMU is gone.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, string what, TimeSpan timeout)
    {
        var deadline = _clock.Elapsed + timeout;
        var seen = 0;
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                for (; seen < _lines.Count; seen++)
                {
                    if (match(_lines[seen]))
                    {
                        return _lines[seen];
                    }
                }
                if (_closed)
                {
                    throw new InvalidOperationException($"QEMU exited before the console showed {what}");
                }
                changed = _changed.Task;
            }
            var left = deadline - _clock.Elapsed;
            if (left <= TimeSpan.Zero || await Task.WhenAny(changed, Task.Delay(left)) != changed)
            {
                throw new TimeoutException($"the console did not show {what} within {timeout.TotalSeconds:0} s");
            }
        }
    }

    public string Format()
    {
        var text = new StringBuilder();
        lock (_gate)
        {
            foreach (var line in _lines)
            {
                text.Append(line).Append('\n');
            }
        }
        return text.ToString();
    }

    /// <summary>Stamps a line with seconds since launch, e.g. "[  12.345] text".</summary>
    public string Stamp(string line) => string.Create(CultureInfo.InvariantCulture, $"[{_clock.Elapsed.TotalSeconds,8:0.000}] {line}");
}
