namespace GuestAssist.Agent.Scan.Json;

/// <summary>Frames by the raw kpageflags the classes are built from.</summary>
internal sealed record FlagsJson(ulong Buddy, ulong BlankBlockFrames, ulong LruActive, ulong LruInactive, ulong LruUnevictable);
