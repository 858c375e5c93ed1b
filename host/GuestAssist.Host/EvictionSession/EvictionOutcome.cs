namespace GuestAssist.Host.EvictionSession;

public enum EvictionOutcome
{
    /// <summary>Every page reached the destination and the source's copy is released.</summary>
    Completed,

    /// <summary>Stopped by the caller's token; see <see cref="EvictionResult.LeftPaused"/> for where the VM runs.</summary>
    Cancelled,

    /// <summary>A phase failed; <see cref="EvictionResult.Error"/> says which and why.</summary>
    Failed,
}
