using GuestAssist.Guest.ProcFs;

namespace GuestAssist.Guest.Throttling;

/// <summary>
/// Throttles only the rogue dirtiers, and releases them whatever happens (invariant 3): every process it stops
/// is journalled first; <see cref="ReleaseAll"/> runs on session end, host disconnect, heartbeat loss and agent
/// shutdown, and <see cref="Dispose"/> runs it too. Protected processes (<see cref="ProtectionPolicy"/>) are never
/// touched, whatever a policy names. Not thread-safe for concurrent Observe calls; status and release are.
/// </summary>
public sealed class Throttler : IDisposable
{
    private readonly ProcFsPaths _paths;
    private readonly ProtectionPolicy _configured;
    private readonly ThrottleController _controller = new();
    private readonly IThrottleActuator _cycler;
    private readonly Lock _lock = new();
    // Observe and release never interleave: a window being applied cannot re-stop what a release just continued.
    private readonly Lock _decisions = new();
    private readonly Dictionary<int, DirtyRateSample> _lastRates = [];
    private ThrottlePolicy? _policy;
    private ProtectionPolicy _protection;

    /// <summary>A throttler journalling to <paramref name="journal"/>; <paramref name="actuator"/> holds a rogue to its duty (SIGSTOP/SIGCONT duty cycling when null) and is disposed with it.</summary>
    public Throttler(ProcFsPaths paths, ThrottleJournal journal, ProtectionPolicy protection, IThrottleActuator? actuator = null)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(journal);
        ArgumentNullException.ThrowIfNull(protection);
        _paths = paths;
        _configured = protection;
        _protection = protection;
        Journal = journal;
        _cycler = actuator ?? new DutyCycler(journal, ThrottlePolicy.DefaultPeriod, ThrottlePolicy.DefaultMaxStop);
    }

    /// <summary>The actuator's name: "sigstop", "cgroup-v1-cpu", "cgroup-v2-freeze", ….</summary>
    public string ActuatorName => _cycler.Name;

    public ThrottleJournal Journal { get; }

    public ThrottlePolicy? Policy
    {
        get
        {
            lock (_lock)
            {
                return _policy;
            }
        }
    }

    /// <summary>Processes skipped because they are protected, with the reason (latest window).</summary>
    public IReadOnlyDictionary<int, string> Skipped { get; private set; } = new Dictionary<int, string>();

    public void Apply(ThrottlePolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        lock (_lock)
        {
            _policy = policy;
            _protection = _configured.With(policy.ProtectedPids, policy.ProtectedCommands);
        }
        _cycler.Configure(policy.Period, policy.MaxStop);
    }

    /// <summary>One window of dirty rates: throttles rogues, adjusts duties, releases those back under their share.</summary>
    public void Observe(IReadOnlyList<DirtyRateSample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        lock (_decisions)
        {
            ObserveLocked(samples);
        }
    }

    private void ObserveLocked(IReadOnlyList<DirtyRateSample> samples)
    {
        ThrottlePolicy? policy;
        ProtectionPolicy protection;
        lock (_lock)
        {
            policy = _policy;
            protection = _protection;
            foreach (var sample in samples)
            {
                _lastRates[sample.Pid] = sample;
            }
        }
        if (policy is null)
        {
            return;
        }
        var skipped = new Dictionary<int, string>();
        var eligible = new List<DirtyRateSample>();
        foreach (var sample in samples)
        {
            if (policy.TargetPids.Count > 0 && !policy.TargetPids.Contains(sample.Pid))
            {
                continue;
            }
            if (protection.WhyProtected(_paths, sample.Pid) is { } why)
            {
                skipped[sample.Pid] = why;
                continue;
            }
            eligible.Add(sample);
        }
        Skipped = skipped;
        var duties = _controller.Update(policy, eligible);
        foreach (var (process, _) in _cycler.Targets())
        {
            if (!duties.ContainsKey(process.Pid))
            {
                _cycler.Release(process.Pid);
            }
        }
        foreach (var (pid, duty) in duties)
        {
            if (!ProcessIdentity.TryRead(_paths, pid, out var identity, out _))
            {
                _controller.Forget(pid);
                continue;
            }
            try
            {
                _cycler.Set(identity, duty);
            }
            catch (IOException e)
            {
                // It exited mid-way, or its cgroup refused the move: not throttled, and said so in status.
                _controller.Forget(pid);
                skipped[pid] = $"cannot throttle with {_cycler.Name}: {e.Message}";
            }
        }
    }

    public IReadOnlyList<ThrottledProcessState> Status()
    {
        var rows = new List<ThrottledProcessState>();
        foreach (var (process, duty) in _cycler.Targets())
        {
            var command = ProcessIdentity.TryRead(_paths, process.Pid, out _, out var stat) ? stat.Command : "?";
            DirtyRateSample? rate;
            lock (_lock)
            {
                rate = _lastRates.GetValueOrDefault(process.Pid);
            }
            rows.Add(new ThrottledProcessState(process.Pid, command, duty, rate?.BytesPerSecond ?? 0, rate?.Method ?? ""));
        }
        return rows;
    }

    /// <summary>Continues the given processes (all when empty) and stops managing them.</summary>
    public int Release(IReadOnlyCollection<int> pids)
    {
        ArgumentNullException.ThrowIfNull(pids);
        if (pids.Count == 0)
        {
            return ReleaseAll();
        }
        lock (_decisions)
        {
            var released = 0;
            foreach (var pid in pids)
            {
                if (_cycler.DutyOf(pid) is not null)
                {
                    released++;
                }
                _controller.Forget(pid);
                _cycler.Release(pid);
            }
            return released;
        }
    }

    /// <summary>Ends throttling: the policy is dropped and every process continues.</summary>
    public int ReleaseAll()
    {
        lock (_decisions)
        {
            lock (_lock)
            {
                _policy = null;
                _lastRates.Clear();
            }
            _controller.Clear();
            return _cycler.ReleaseAll();
        }
    }

    public void Dispose() => _cycler.Dispose();
}
