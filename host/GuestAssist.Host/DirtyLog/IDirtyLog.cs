namespace GuestAssist.Host.DirtyLog;

/// <summary>
/// Which guest frames were written since tracking started. Timestamps are host Stopwatch ticks
/// (Stopwatch.GetTimestamp). A frame reported free may be skipped only when the log started before the
/// class map was requested, is sealed at switchover, and shows the frame clean (DESIGN.md invariant 1).
/// </summary>
public interface IDirtyLog
{
    /// <summary>Frames covered: GFN 0 .. TotalFrames.</summary>
    ulong TotalFrames { get; }

    /// <summary>When tracking of every covered frame began.</summary>
    long TrackingStartedAt { get; }

    /// <summary>When the log was sealed (the guest stopped at switchover); null while writes may still happen.</summary>
    long? SealedAt { get; }

    /// <summary>True if the frame was written since TrackingStartedAt (as of the last Collect).</summary>
    bool IsDirty(ulong gfn);

    /// <summary>Folds writes observed since the previous call into the log (a no-op for a supplied bitmap).</summary>
    void Collect();

    /// <summary>Collects a last time and marks the log complete up to now (call once the guest is stopped).</summary>
    void Seal();
}
