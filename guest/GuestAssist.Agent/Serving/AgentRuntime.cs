using GuestAssist.Protocol.Handshake;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Agent.Serving;

/// <summary>
/// State every connection shares: the handshake offer, the one map source (and its reused buffers), the
/// scan gate, eviction sessions and the latest map epoch.
/// </summary>
public sealed class AgentRuntime : IDisposable
{
    /// <summary>Offered only when this agent says so below, whatever the source says (throttle.cgroup: when a cgroup hierarchy is writable).</summary>
    private static readonly HashSet<string> NotImplemented =
    [
        Capabilities.DirtyAttributionV1, Capabilities.ThrottleCgroup,
    ];

    private readonly Lock _lock = new();
    private MapEpoch _lastEpoch;
    private long _connections;

    public AgentRuntime(IMemoryMapSource source, AgentServingOptions options, Microsoft.Extensions.Logging.ILogger<AgentRuntime>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        Source = source;
        Options = options;
        Throttling = new AgentThrottling(new Guest.ProcFs.ProcFsPaths(options.ProcRoot, options.SysRoot), options.ThrottleJournal,
            (Microsoft.Extensions.Logging.ILogger?)logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, options.SentinelCommand);
        StartedNs = MonotonicClock.NowNs();
        _lastEpoch = new MapEpoch { Sequence = 0, GuestMonotonicNs = StartedNs };
        var offered = source.Info.Capabilities
            .Where(c => !NotImplemented.Contains(c))
            .Append(Capabilities.Heartbeat)
            .Append(Capabilities.ThrottleSigstop)
            .Concat(ThrottleActuatorFactory.CgroupsUsable(new Guest.ProcFs.ProcFsPaths(options.ProcRoot, options.SysRoot)) ? [Capabilities.ThrottleCgroup] : [])
            .Concat(source is IFrameOwnerSource ? [Capabilities.DirtyAttributionV1] : [])
            .Distinct();
        Offer = new HandshakeOffer(options.Versions, offered, options.Software);
        Trimmer = new IdleMemoryTrimmer(options.IdleTrimDelay, logger);
        Scans = new ScanGate(options.MaxQueuedScans, Trimmer);
        _watchdog = new Timer(_ => CheckHeartbeat(), null, Timeout.Infinite, Timeout.Infinite);
    }

    private static readonly TimeSpan WatchdogPeriod = TimeSpan.FromMilliseconds(100);

    // Ticks only while a session with a heartbeat timeout is active: an idle agent never wakes for it.
    private readonly Timer _watchdog;
    private readonly Lock _watchdogLock = new();

    /// <summary>Begins an eviction session stamped with the latest map's epoch, watching its heartbeats if it asked.</summary>
    internal EvictionSession BeginEviction(string connection, BeginEviction begin)
    {
        lock (_watchdogLock)
        {
            var session = Evictions.Begin(connection, begin, LastEpoch);
            if (session.HeartbeatTimeout > TimeSpan.Zero)
            {
                _watchdog.Change(WatchdogPeriod, WatchdogPeriod);
            }
            return session;
        }
    }

    /// <summary>A session whose host went silent past its heartbeat timeout ends, and its throttles with it.</summary>
    private void CheckHeartbeat()
    {
        if (Evictions.Expire(MonotonicClock.NowNs()) is { } expired)
        {
            Throttling.ReleaseAll($"no heartbeat from {expired.Connection} for {expired.HeartbeatTimeout.TotalMilliseconds:0} ms (session {expired.Id})");
        }
        lock (_watchdogLock)
        {
            if (Evictions.Active is not { HeartbeatTimeout.Ticks: > 0 })
            {
                _watchdog.Change(Timeout.Infinite, Timeout.Infinite);
            }
        }
    }

    public IMemoryMapSource Source { get; }

    public AgentServingOptions Options { get; }

    public HandshakeOffer Offer { get; }

    public ScanGate Scans { get; }

    /// <summary>Hands the scans' garbage back to the OS once they stop.</summary>
    public IdleMemoryTrimmer Trimmer { get; }

    public EvictionSessions Evictions { get; } = new();

    public AgentThrottling Throttling { get; }

    public ulong StartedNs { get; }

    /// <summary>Epoch of the latest map sent (sequence 0 before the first scan).</summary>
    public MapEpoch LastEpoch
    {
        get
        {
            lock (_lock)
            {
                return _lastEpoch.Clone();
            }
        }
    }

    internal void RecordEpoch(MapEpoch epoch)
    {
        lock (_lock)
        {
            _lastEpoch = epoch.Clone();
        }
    }

    internal string NextConnectionName(string listener) => $"{listener} #{Interlocked.Increment(ref _connections)}";

    public void Dispose()
    {
        _watchdog.Dispose();
        Throttling.Dispose();
        Scans.Dispose();
        Trimmer.Dispose();
    }
}
