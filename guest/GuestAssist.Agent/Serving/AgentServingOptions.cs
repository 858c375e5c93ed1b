using GuestAssist.Linux.Transports;
using GuestAssist.Protocol.Framing;
using GuestAssist.Protocol.Handshake;

namespace GuestAssist.Agent.Serving;

/// <summary>How the daemon serves: where it listens and the bounds it keeps.</summary>
public sealed record AgentServingOptions
{
    public const string DefaultListen = "vsock:5000";

    public const string SoftwareName = "guestassist-agent/0.1.0";

    public IReadOnlyList<TransportAddress> Listen { get; init; } = [TransportAddress.Parse(DefaultListen)];

    /// <summary>Protocol versions offered in the handshake (narrowed only by version-skew tests).</summary>
    public VersionRange Versions { get; init; } = ProtocolVersions.Supported;

    public string Software { get; init; } = SoftwareName;

    /// <summary>Encoded run bytes per MemoryMapChunk when the request says 0.</summary>
    public int DefaultChunkBytes { get; init; } = 256 * 1024;

    /// <summary>Upper bound on a requested chunk size, keeping every chunk well inside one frame.</summary>
    public int MaxChunkBytes { get; init; } = 1024 * 1024;

    /// <summary>GetMemoryMap requests allowed to wait behind the running scan; more get BUSY.</summary>
    public int MaxQueuedScans { get; init; } = 4;

    /// <summary>Connections served at once per listener; when full, the longest-idle one is closed for a newcomer (if none is idle, the newcomer is).</summary>
    public int MaxConnections { get; init; } = 64;

    /// <summary>A connection that has not completed Hello by then is closed, so silent peers cannot hold connection slots.</summary>
    public TimeSpan HelloTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A connection with no request in flight and no frame from its peer for this long is closed (zero or less: never).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    public int MaxFrameSize { get; init; } = FrameFormat.DefaultMaxFrameSize;

    public TransportOptions Transport { get; init; } = TransportOptions.Default;

    /// <summary>Where throttled processes are journalled (replayed at start and by the sentinel).</summary>
    public string ThrottleJournal { get; init; } = Guest.Throttling.ThrottleJournal.DefaultPath;

    /// <summary>How to start the sentinel (executable, leading arguments); null: this agent's own executable.</summary>
    public IReadOnlyList<string>? SentinelCommand { get; init; }

    /// <summary>/proc and /sys roots (tests point them elsewhere).</summary>
    public string ProcRoot { get; init; } = "/proc";

    public string SysRoot { get; init; } = "/sys";

    /// <summary>Quiet time after the last scan before the agent compacts its heap and returns the memory (negative: never).</summary>
    public TimeSpan IdleTrimDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Wait before reopening a serial port whose connection ended, or after a failed accept.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);
}
