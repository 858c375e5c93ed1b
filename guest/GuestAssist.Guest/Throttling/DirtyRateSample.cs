namespace GuestAssist.Guest.Throttling;

/// <summary>One process's dirty rate in one window, labelled with how it was measured (soft-dirty, host dirty log, …).</summary>
public sealed record DirtyRateSample(int Pid, double BytesPerSecond, string Method);
