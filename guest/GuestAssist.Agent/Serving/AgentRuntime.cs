using GuestAssist.Protocol.Handshake;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Agent.Serving;

/// <summary>
/// State every connection shares: the handshake offer, the one map source (and its reused buffers), the
/// scan gate, eviction sessions and the latest map epoch.
/// </summary>
public sealed class AgentRuntime : IDisposable
{
    /// <summary>Known capabilities this build does not implement yet; never offered whatever the source says.</summary>
    private static readonly HashSet<string> NotImplemented =
    [
        Capabilities.DirtyAttributionV1, Capabilities.ThrottleSigstop, Capabilities.ThrottleCgroup,
    ];

    private readonly Lock _lock = new();
    private MapEpoch _lastEpoch;
    private long _connections;

    public AgentRuntime(IMemoryMapSource source, AgentServingOptions options)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        Source = source;
        Options = options;
        StartedNs = MonotonicClock.NowNs();
        _lastEpoch = new MapEpoch { Sequence = 0, GuestMonotonicNs = StartedNs };
        var offered = source.Info.Capabilities
            .Where(c => !NotImplemented.Contains(c))
            .Append(Capabilities.Heartbeat);
        Offer = new HandshakeOffer(options.Versions, offered, options.Software);
        Trimmer = new IdleMemoryTrimmer(options.IdleTrimDelay);
        Scans = new ScanGate(options.MaxQueuedScans, Trimmer);
    }

    public IMemoryMapSource Source { get; }

    public AgentServingOptions Options { get; }

    public HandshakeOffer Offer { get; }

    public ScanGate Scans { get; }

    /// <summary>Hands the scans' garbage back to the OS once they stop.</summary>
    public IdleMemoryTrimmer Trimmer { get; }

    public EvictionSessions Evictions { get; } = new();

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
        Scans.Dispose();
        Trimmer.Dispose();
    }
}
