namespace GuestAssist.Host.DirtyLog.Files;

/// <summary>A dirty bitmap file's header: what it covers and when (host CLOCK_MONOTONIC ns).</summary>
public sealed record DirtyLogFileHeader(uint PageSize, ulong FirstGfn, ulong Frames, ulong TrackingStartedAtNs, ulong SealedAtNs);
