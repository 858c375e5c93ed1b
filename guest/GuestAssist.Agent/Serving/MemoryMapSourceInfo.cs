namespace GuestAssist.Agent.Serving;

/// <summary>
/// The facilities a map source found: wire capability names (see <c>Handshake.Capabilities</c>), one
/// line per missing facility saying what the agent does instead, the page size and the RAM frames.
/// </summary>
public sealed record MemoryMapSourceInfo(
    IReadOnlyList<string> Capabilities,
    IReadOnlyList<string> Degraded,
    uint PageSize,
    ulong RamFrames);
