using GuestAssist.Guest.Attribution;

namespace GuestAssist.Agent.Serving;

/// <summary>A map source that can also say which process owns each frame (for the host's DirtyFrames).</summary>
public interface IFrameOwnerSource
{
    /// <summary>An owner index no older than <paramref name="maxAge"/> (rebuilt by a walk of every process's pagemap when stale; no frame scan).</summary>
    ValueTask<OwnerIndex> OwnersAsync(TimeSpan maxAge, CancellationToken cancellationToken);
}
