namespace GuestAssist.Host.DirtyLog.Files;

/// <summary>The interval a supplied dirty log covers, host CLOCK_MONOTONIC ns (the diff snapshot's sidecar).</summary>
internal sealed record DirtyLogInterval(ulong TrackingStartedAtNs, ulong SealedAtNs);
