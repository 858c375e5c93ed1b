using GuestAssist.Host.Destination;
using GuestAssist.Host.Source;

namespace GuestAssist.Host.Tests.Source;

/// <summary>A real page source that also counts reads of frames it already released: a resumed transfer must make none.</summary>
internal sealed class ReleaseWatchingPageSource(IPageSource inner, ulong totalFrames) : IPageSource
{
    private readonly AtomicBitmap _released = new(totalFrames);
    private long _readsOfReleased;

    public long ReadsOfReleased => Interlocked.Read(ref _readsOfReleased);

    public uint PageSize => inner.PageSize;

    public bool CanRelease => inner.CanRelease;

    public void Read(ulong firstGfn, int count, Span<byte> destination)
    {
        for (var k = 0UL; k < (ulong)count; k++)
        {
            if (_released.IsSet(firstGfn + k))
            {
                Interlocked.Increment(ref _readsOfReleased);
            }
        }
        inner.Read(firstGfn, count, destination);
    }

    public long Release(ulong firstGfn, int count)
    {
        _released.SetRange(firstGfn, (ulong)count);
        return inner.Release(firstGfn, count);
    }

    public void Dispose() => inner.Dispose();
}
