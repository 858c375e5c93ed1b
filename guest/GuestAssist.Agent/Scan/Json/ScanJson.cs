namespace GuestAssist.Agent.Scan.Json;

/// <summary>`scan --json`, the whole document; names become snake_case (<see cref="AgentJsonContext"/>).</summary>
internal sealed record ScanJson(
    uint PageSize,
    ulong Frames,
    ulong RamFrames,
    EpochJson Epoch,
    IReadOnlyDictionary<string, ulong> Classes,
    FlagsJson Flags,
    LazyInitJson LazyInit,
    KernelJson? Kernel,
    MethodJson Method,
    TimingsJson Timings,
    IReadOnlyList<string> Degraded,
    AttributionJson? Attribution);
