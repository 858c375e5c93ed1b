namespace GuestAssist.Guest.Throttling;

/// <summary>One process's dirty rate in one window, labelled with how it was measured (soft-dirty, host dirty log, …).</summary>
public sealed record DirtyRateSample(int Pid, double BytesPerSecond, string Method)
{
    /// <summary>Frames the host's dirty log saw written (DirtyFrames), attributed to their owners.</summary>
    public const string HostDirtyLog = "host dirty log";

    /// <summary>The process's own soft-dirty bits, sampled by the agent.</summary>
    public const string SoftDirty = "soft-dirty";
}
