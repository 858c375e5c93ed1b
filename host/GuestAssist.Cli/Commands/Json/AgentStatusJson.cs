namespace GuestAssist.Cli.Commands.Json;

/// <summary>`agent status --json`.</summary>
internal sealed record AgentStatusJson(
    string Peer,
    string Software,
    uint ProtocolVersion,
    ulong UptimeNs,
    ulong GuestMonotonicNs,
    uint PageSize,
    ulong RamFrames,
    IReadOnlyList<string> Capabilities,
    IReadOnlyList<string> Negotiated,
    ulong ActiveEvictionSession,
    uint ThrottledProcesses,
    IReadOnlyList<ThrottledProcessJson> Throttled,
    IReadOnlyList<string> Degraded);
