using GuestAssist.Host.DirtyLog;

namespace GuestAssist.Host.Tests.Planning;

/// <summary>Hides a DirtyBitmap behind the interface, as the uffd tracker is seen, so the planner takes its generic path.</summary>
internal sealed class OpaqueDirtyLog(IDirtyLog inner) : IDirtyLog
{
    public ulong TotalFrames => inner.TotalFrames;

    public long TrackingStartedAt => inner.TrackingStartedAt;

    public long? SealedAt => inner.SealedAt;

    public bool IsDirty(ulong gfn) => inner.IsDirty(gfn);

    public void Collect() => inner.Collect();

    public void Seal() => inner.Seal();
}
