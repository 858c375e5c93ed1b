using GuestAssist.Guest.Heat;
using GuestAssist.Guest.ProcFs;
using GuestAssist.Guest.Throttling;
using GuestAssist.Protocol.Framing;
using GuestAssist.Protocol.V1;
using Microsoft.Extensions.Logging;

namespace GuestAssist.Agent.Serving;

/// <summary>
/// The agent's throttling for the eviction session in progress: the policy the host set, the dirty rates that
/// drive it (DirtyFrames from the host's dirty log when the host sends them — exact per 4 KiB frame, and what the
/// migration must carry; soft-dirty windows only when none come, since soft-dirty marks a huge page dirty whole and
/// its sampling write-protects the writers every window), the
/// duty cycler, the journal and the sentinel. Whatever ends the session — EndEviction, ReleaseThrottle, the host
/// disconnecting, heartbeat loss, agent shutdown — calls <see cref="ReleaseAll"/>; an agent that dies anyway is
/// covered by the sentinel, and one that restarts replays the journal first.
/// </summary>
public sealed class AgentThrottling : IDisposable
{
    private readonly ProcFsPaths _paths;
    private readonly ILogger _logger;
    private readonly ProtectionPolicy _protection;
    private readonly Lock _lock = new();
    private Throttler? _throttler;
    private ThrottleSentinel? _sentinel;
    private CancellationTokenSource? _sampling;
    private volatile bool _hostRates;
    private volatile bool _hostWindows;
    private ulong _sessionId;
    private ThrottleMethod _method;
    private readonly IReadOnlyList<string>? _sentinelCommand;

    public AgentThrottling(ProcFsPaths paths, string journalPath, ILogger logger, IReadOnlyList<string>? sentinelCommand = null)
    {
        _sentinelCommand = sentinelCommand;
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(journalPath);
        ArgumentNullException.ThrowIfNull(logger);
        _paths = paths;
        _logger = logger;
        JournalPath = journalPath;
        _protection = new ProtectionPolicy();
        SoftDirty = SoftDirtyMonitor.IsSupported(paths);
        // A journal left behind means an agent died while throttling: continue those processes before anything else.
        try
        {
            var resumed = ThrottleJournal.Replay(journalPath, paths);
            if (resumed > 0)
            {
                logger.LogWarning("continued {Count} process(es) a previous agent left throttled ({Journal})", resumed, journalPath);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogError("cannot replay the throttle journal {Journal}: {Reason}", journalPath, e.Message);
        }
    }

    public string JournalPath { get; }

    /// <summary>How long a new policy waits for the host's DirtyFrames before measuring with soft-dirty itself.</summary>
    public static readonly TimeSpan HostRatesGrace = TimeSpan.FromSeconds(2.5);

    /// <summary>Soft-dirty is there, so the agent measures dirty rates itself; otherwise it needs DirtyFrames.</summary>
    public bool SoftDirty { get; }

    public int ThrottledCount
    {
        get
        {
            lock (_lock)
            {
                return _throttler?.Status().Count ?? 0;
            }
        }
    }

    public ThrottleStatus Apply(ulong sessionId, SetThrottlePolicy request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.DirtyBudgetBytesPerSecond == 0)
        {
            throw new ArgumentException("dirty_budget_bytes_per_second must be positive");
        }
        var period = request.PeriodMs == 0 ? ThrottlePolicy.DefaultPeriod : TimeSpan.FromMilliseconds(request.PeriodMs);
        var maxStop = request.MaxStopMs == 0 ? period * 0.98 : TimeSpan.FromMilliseconds(request.MaxStopMs);
        if (period > TimeSpan.FromSeconds(10) || maxStop > TimeSpan.FromSeconds(10))
        {
            throw new ArgumentException($"period {period.TotalMilliseconds} ms and max stop {maxStop.TotalMilliseconds} ms must be at most 10 s");
        }
        if (request.HostDirtyFrames)
        {
            NoteHostRates();
        }
        var policy = new ThrottlePolicy(request.DirtyBudgetBytesPerSecond, period, maxStop, [.. request.TargetPids], [.. request.ProtectedPids], [.. request.ProtectedCommands]);
        lock (_lock)
        {
            var method = request.Method == ThrottleMethod.Unspecified ? ThrottleMethod.SigstopDuty : request.Method;
            if (_throttler is not null && _method != method)
            {
                // Another actuator asked for: everything the old one holds is released first.
                _throttler.Dispose();
                _throttler = null;
            }
            if (_throttler is null)
            {
                // One journal for the actuator and the throttler: each rewrites the whole file.
                var journal = new ThrottleJournal(JournalPath);
                var actuator = ThrottleActuatorFactory.Create(method, _paths, journal, out var why)
                    ?? throw new ProtocolException(ErrorCode.Unsupported, $"throttle method {request.Method} is not available in this guest: {why}");
                // One sentinel for the agent's lifetime: it replays the journal, whichever actuator writes it.
                if (_sentinel is null || _sentinel.HasExited)
                {
                    _sentinel?.Dispose();
                    _sentinel = ThrottleSentinel.TryStart(JournalPath, _sentinelCommand, out var failure);
                    if (_sentinel is null)
                    {
                        _logger.LogWarning("no sentinel ({Reason}): if the agent is killed, throttled processes resume only when it restarts", failure);
                    }
                    else
                    {
                        _protection.AddPid(_sentinel.Pid);
                        if (failure is not null)
                        {
                            _logger.LogWarning("{Reason}: if the agent is killed before it watches, throttled processes resume when it does", failure);
                        }
                    }
                }
                _throttler = new Throttler(_paths, journal, _protection, actuator);
                _method = method;
            }
            _sessionId = sessionId;
            _throttler.Apply(policy);
            if (SoftDirty && _sampling is null && !_hostRates)
            {
                _sampling = new CancellationTokenSource();
                _ = SampleAsync(_throttler, _sampling.Token);
            }
        }
        _logger.LogInformation("throttle policy for session {Session}: budget {Budget} B/s, period {Period} ms, rates from {Source}, held by {Actuator}",
            sessionId, request.DirtyBudgetBytesPerSecond, period.TotalMilliseconds,
            _hostRates || !SoftDirty ? "the host's DirtyFrames" : $"the host's DirtyFrames, or soft-dirty if none come within {HostRatesGrace.TotalSeconds} s", _throttler.ActuatorName);
        return Status();
    }

    /// <summary>The host said it sends its dirty log (DirtyFrames) in this session, or has sent some.</summary>
    public bool ExpectsHostRates => _hostRates;

    /// <summary>A DirtyFrames window arrived in this session: the guest's writers are worth attributing.</summary>
    public bool ReceivesHostWindows => _hostWindows;

    /// <summary>A DirtyFrames window arrived (its rates follow through <see cref="Observe"/>).</summary>
    public void NoteHostWindow()
    {
        _hostWindows = true;
        NoteHostRates();
    }

    /// <summary>The host sends its dirty log (DirtyFrames): rates come from it, and soft-dirty sampling stops or never starts.</summary>
    public void NoteHostRates()
    {
        lock (_lock)
        {
            if (_hostRates)
            {
                return;
            }
            _hostRates = true;
            if (_sampling is not null)
            {
                _sampling.Cancel();
                _sampling = null;
                _logger.LogInformation("dirty rates from the host's DirtyFrames from now on: soft-dirty sampling stopped");
            }
        }
    }

    /// <summary>Rates measured outside (the host's dirty log, attributed to processes; its arrival was noted by <see cref="NoteHostRates"/>).</summary>
    public void Observe(IReadOnlyList<DirtyRateSample> samples)
    {
        Throttler? throttler;
        lock (_lock)
        {
            throttler = _throttler;
        }
        throttler?.Observe(samples);
    }

    public ThrottleStatus Release(IReadOnlyCollection<int> pids)
    {
        Throttler? throttler;
        lock (_lock)
        {
            throttler = _throttler;
        }
        var released = throttler?.Release(pids) ?? 0;
        _logger.LogInformation("released {Count} throttled process(es) on request", released);
        return Status();
    }

    /// <summary>Continues everything and drops the policy; returns how many processes were throttled.</summary>
    public int ReleaseAll(string why)
    {
        Throttler? throttler;
        lock (_lock)
        {
            throttler = _throttler;
            _sampling?.Cancel();
            _sampling = null;
            _hostRates = false; // the next session's host may send none
            _hostWindows = false;
        }
        var released = throttler?.ReleaseAll() ?? 0;
        if (released > 0)
        {
            _logger.LogInformation("released {Count} throttled process(es): {Why}", released, why);
        }
        return released;
    }

    public ThrottleStatus Status()
    {
        var status = new ThrottleStatus();
        lock (_lock)
        {
            status.SessionId = _sessionId;
            status.Active = _throttler?.Policy is not null;
            foreach (var row in _throttler?.Status() ?? [])
            {
                status.Processes.Add(new ThrottledProcess { Pid = row.Pid, Command = row.Command, Duty = row.Duty, DirtyBytesPerSecond = row.DirtyBytesPerSecond, Method = row.Method, Actuator = _throttler!.ActuatorName });
            }
        }
        return status;
    }

    public void Dispose()
    {
        ReleaseAll("agent shutting down");
        lock (_lock)
        {
            _throttler?.Dispose();
            _throttler = null;
            _sentinel?.Dispose();
            _sentinel = null;
        }
    }

    private async Task SampleAsync(Throttler throttler, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(HostRatesGrace, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        if (_hostRates)
        {
            return;
        }
        _logger.LogInformation("no DirtyFrames from the host within {Grace} s: measuring dirty rates with soft-dirty", HostRatesGrace.TotalSeconds);
        var ranges = Guest.ProcFs.IoMemParser.ReadSystemRam(_paths.IoMem, 4096);
        using var monitor = new SoftDirtyMonitor(_paths, ranges.Count == 0 ? 0 : ranges[^1].End);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await monitor.SampleAsync(TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
                throttler.Observe([.. monitor.LatestWrites.Select(w => new DirtyRateSample(w.Pid, w.PagesPerSecond * 4096, DirtyRateSample.SoftDirty))]);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _logger.LogWarning("soft-dirty sampling failed: {Reason}", e.Message);
            }
        }
    }
}
