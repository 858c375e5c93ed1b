using GuestAssist.Protocol.V1;

namespace GuestAssist.Agent.Serving;

/// <summary>An eviction the host announced: which connection owns it, what it asked for, and when the host was last heard.</summary>
public sealed record EvictionSession(ulong Id, string Connection, BeginEviction Request, MapEpoch Epoch, ulong StartedNs)
{
    private ulong _lastHeardNs = StartedNs;

    public ulong LastHeardNs => Volatile.Read(ref _lastHeardNs);

    /// <summary>BeginEviction.heartbeat_timeout_ms; zero means no watchdog.</summary>
    public TimeSpan HeartbeatTimeout => TimeSpan.FromMilliseconds(Request.HeartbeatTimeoutMs);

    internal void Heard(ulong nowNs) => Volatile.Write(ref _lastHeardNs, nowNs);
}
