using GuestAssist.Agent.Serving;
using GuestAssist.Linux.Transports;
using GuestAssist.Linux.Vsock;

namespace GuestAssist.Agent.Configuration;

/// <summary>
/// The agent's effective configuration after layering, with where each value came from
/// (<see cref="Origins"/>: key → "default", a file and line, "environment GUESTASSIST_X", "kernel command line", "command line").
/// </summary>
public sealed record AgentSettings
{
    public IReadOnlyList<TransportAddress> Listen { get; init; } = [TransportAddress.Parse(AgentServingOptions.DefaultListen)];

    public TimeSpan HeatWindow { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The access monitor (a <see cref="GuestAssist.Guest.Heat.HeatMonitorSelector"/> name).</summary>
    public string Heat { get; init; } = GuestAssist.Guest.Heat.HeatMonitorSelector.Auto;

    /// <summary>DAMON's attributes when it is the access monitor: sampling interval, region limit, vaddr targets.</summary>
    public GuestAssist.Guest.Heat.DamonOptions Damon { get; init; } = new();

    public int ChunkBytes { get; init; } = 256 * 1024;

    public int MaxQueuedScans { get; init; } = 4;

    public int MaxConnections { get; init; } = 64;

    /// <summary>Connections idle this long are closed; zero keeps them for ever.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    public string ProcRoot { get; init; } = "/proc";

    /// <summary>Where throttled processes are journalled (replayed at start and by the sentinel).</summary>
    public string ThrottleJournal { get; init; } = Guest.Throttling.ThrottleJournal.DefaultPath;

    public string SysRoot { get; init; } = "/sys";

    /// <summary>Vsock peers the agent accepts: null = any; by default the host (CID 2) only.</summary>
    public IReadOnlyList<uint>? VsockPeerCids { get; init; } = [VsockCid.Host];

    /// <summary>Lowest level logged (to stderr, which the journal keeps under systemd).</summary>
    public Microsoft.Extensions.Logging.LogLevel LogLevel { get; init; } = Microsoft.Extensions.Logging.LogLevel.Information;

    public IReadOnlyDictionary<string, string> Origins { get; init; } = new Dictionary<string, string>();

    /// <summary>Entries that were ignored (unknown keys in the environment or on the kernel command line).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    public AgentServingOptions ToServingOptions() => new()
    {
        ThrottleJournal = ThrottleJournal,
        ProcRoot = ProcRoot,
        SysRoot = SysRoot,
        Listen = Listen,
        DefaultChunkBytes = ChunkBytes,
        MaxQueuedScans = MaxQueuedScans,
        MaxConnections = MaxConnections,
        IdleTimeout = IdleTimeout,
        Transport = TransportOptions.Default with
        {
            VsockPeers = VsockPeerCids is null ? VsockPeerPolicy.AnyPeer : VsockPeerPolicy.Only(VsockPeerCids),
        },
    };
}
