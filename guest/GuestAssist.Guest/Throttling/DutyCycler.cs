using System.Diagnostics;

namespace GuestAssist.Guest.Throttling;

/// <summary>
/// Duty cycling on one thread: every period all throttled processes run, and each is paused when its share of
/// the period is used up, so a duty of 0.25 runs it 25% of the time. No pause lasts longer than the policy's
/// maximum (the duty is raised until it fits). The pause is SIGSTOP/SIGCONT by default, or freezing the
/// process's own cgroup (<see cref="FreezerPauser"/>: its parent sees no stop). A process is journalled before
/// its first pause and resumed before it leaves the journal: release, exit or dispose never leave it paused.
/// </summary>
public sealed class DutyCycler : IThrottleActuator
{
    private readonly ThrottleJournal _journal;
    private readonly IProcessPauser _pauser;
    private readonly Lock _lock = new();
    private readonly Dictionary<int, (ProcessIdentity Process, double Duty)> _targets = [];
    private readonly AutoResetEvent _changed = new(false);
    private readonly Thread _thread;
    private TimeSpan _period;
    private TimeSpan _maxStop;
    private volatile bool _stopping;

    public DutyCycler(ThrottleJournal journal, TimeSpan period, TimeSpan maxStop, IProcessPauser? pauser = null)
    {
        ArgumentNullException.ThrowIfNull(journal);
        _journal = journal;
        _pauser = pauser ?? new SignalPauser();
        Configure(period, maxStop);
        _thread = new Thread(Run) { IsBackground = true, Name = "throttle duty cycle" };
        _thread.Start();
    }

    public string Name => _pauser.Name;

    public void Configure(TimeSpan period, TimeSpan maxStop)
    {
        if (period <= TimeSpan.Zero || maxStop <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(period), "period and maximum stop must be positive");
        }
        lock (_lock)
        {
            _period = period;
            _maxStop = maxStop;
        }
        _changed.Set();
    }

    /// <summary>Runs <paramref name="process"/> <paramref name="duty"/> of each period (0 &lt; duty ≤ 1; 1 releases it).</summary>
    public void Set(ProcessIdentity process, double duty)
    {
        if (duty >= 1)
        {
            Release(process.Pid);
            return;
        }
        if (duty <= 0 || double.IsNaN(duty))
        {
            throw new ArgumentOutOfRangeException(nameof(duty), duty, "a duty is in (0, 1]");
        }
        lock (_lock)
        {
            if (!_targets.ContainsKey(process.Pid))
            {
                _pauser.Attach(process, _journal);
            }
            if (_targets.TryGetValue(process.Pid, out var current) && current.Process == process && Math.Abs(current.Duty - duty) < 1e-3)
            {
                return; // unchanged: the running period goes on
            }
            _targets[process.Pid] = (process, duty);
        }
        _changed.Set();
    }

    public double? DutyOf(int pid)
    {
        lock (_lock)
        {
            return _targets.TryGetValue(pid, out var t) ? t.Duty : null;
        }
    }

    public IReadOnlyList<(ProcessIdentity Process, double Duty)> Targets()
    {
        lock (_lock)
        {
            return [.. _targets.Values];
        }
    }

    /// <summary>Continues the process and forgets it.</summary>
    public void Release(int pid)
    {
        bool known;
        lock (_lock)
        {
            known = _targets.Remove(pid);
        }
        // Resume under no lock, then leave the journal: a crash in between leaves a harmless extra resume.
        _pauser.Resume(pid);
        if (known)
        {
            _pauser.Detach(pid, _journal);
        }
        _changed.Set();
    }

    public int ReleaseAll()
    {
        List<int> pids;
        lock (_lock)
        {
            pids = [.. _targets.Keys];
        }
        foreach (var pid in pids)
        {
            Release(pid);
        }
        return pids.Count;
    }

    public void Dispose()
    {
        _stopping = true;
        _changed.Set();
        _thread.Join();
        ReleaseAll();
        _changed.Dispose();
    }

    private void Run()
    {
        // The stops must land on time even when the throttled processes keep every CPU busy.
        GuestAssist.Linux.Threading.ThreadNice.TrySetCurrent(GuestAssist.Linux.Threading.ThreadNice.LatencyCritical);
        while (!_stopping)
        {
            List<(ProcessIdentity Process, double Duty)> targets;
            TimeSpan period;
            TimeSpan maxStop;
            lock (_lock)
            {
                targets = [.. _targets.Values];
                period = _period;
                maxStop = _maxStop;
            }
            if (targets.Count == 0)
            {
                _changed.WaitOne();
                continue;
            }
            var started = Stopwatch.GetTimestamp();
            foreach (var (process, _) in targets)
            {
                _pauser.Resume(process.Pid);
            }
            // Stop each process once its running share of this period is used, earliest first.
            var minDuty = Math.Max(0, 1 - (maxStop / period));
            var changed = false;
            foreach (var (process, duty) in targets.OrderBy(t => t.Duty))
            {
                var runFor = period * Math.Max(duty, minDuty);
                if (!WaitUntil(started, runFor))
                {
                    // A change mid-period: start a new period with the new duties now (sleeping out this one
                    // would leave every process that was not stopped yet running for the rest of it).
                    changed = true;
                    break;
                }
                lock (_lock)
                {
                    if (!_targets.ContainsKey(process.Pid))
                    {
                        continue;
                    }
                    if (!_pauser.Pause(process.Pid))
                    {
                        // It exited: nothing left to resume.
                        _targets.Remove(process.Pid);
                        _pauser.Detach(process.Pid, _journal);
                    }
                }
            }
            if (!changed)
            {
                WaitUntil(started, period);
            }
        }
    }

    /// <summary>Sleeps until <paramref name="offset"/> after <paramref name="start"/>; false when woken by a change or stop.</summary>
    private bool WaitUntil(long start, TimeSpan offset)
    {
        var remaining = offset - Stopwatch.GetElapsedTime(start);
        if (remaining <= TimeSpan.Zero)
        {
            return true;
        }
        return !_changed.WaitOne(remaining) && !_stopping;
    }
}
