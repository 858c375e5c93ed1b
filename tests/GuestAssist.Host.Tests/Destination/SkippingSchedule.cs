using GuestAssist.Host.Layout;
using GuestAssist.Host.Source;

namespace GuestAssist.Host.Tests.Destination;

/// <summary>Address order, but frames below a bound are handed out as zero-fill (as a planner does under a covering dirty log).</summary>
internal sealed class SkippingSchedule(GuestMemoryLayout layout, ulong[]? received, ulong skipBelow) : ITransferSchedule
{
    private readonly AddressOrderSchedule _inner = new(layout, Received(layout, received, skipBelow));
    private ulong _nextSkip = received is null ? 0 : skipBelow;

    public string Description => "test: skip below " + skipBelow;

    public int TakeZeroFill(Span<ulong> gfns)
    {
        var n = 0;
        while (n < gfns.Length && _nextSkip < skipBelow)
        {
            gfns[n++] = _nextSkip++;
        }
        return n;
    }

    public int NextBatch(Span<ulong> gfns) => _inner.NextBatch(gfns);

    public void OnDemandFault(ulong gfn) => _inner.OnDemandFault(gfn);

    private static ulong[] Received(GuestMemoryLayout layout, ulong[]? received, ulong skipBelow)
    {
        var bitmap = received is null ? new ulong[(layout.TotalFrames + 63) / 64] : (ulong[])received.Clone();
        for (ulong g = 0; g < skipBelow; g++)
        {
            bitmap[g / 64] |= 1UL << (int)(g % 64);
        }
        return bitmap;
    }
}
