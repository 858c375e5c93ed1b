using GuestAssist.Host.Layout;

namespace GuestAssist.Host.Planning;

/// <summary>
/// The baseline QEMU post-copy uses: every backed frame in address order, nothing skipped, and a demand
/// fault restarts the background scan at the faulted frame (wrapping around to pick up what was passed).
/// </summary>
public sealed class AddressOrderPlanner : ITransferPlan
{
    private readonly Lock _gate = new();
    private readonly FrameBitmap _backed;
    private readonly FrameBitmap _pending;
    private readonly ulong _alreadyReceived;
    private ulong _position;
    private ulong _pendingCount;
    private ulong _backgroundFrames;
    private ulong _urgentFrames;

    public AddressOrderPlanner(GuestMemoryLayout layout, ReadOnlySpan<ulong> alreadyReceived = default)
    {
        ArgumentNullException.ThrowIfNull(layout);
        TotalFrames = layout.TotalFrames;
        _backed = new FrameBitmap(TotalFrames);
        foreach (var region in layout.Regions)
        {
            _backed.SetRange(region.GuestPhysicalAddress >> layout.PageShift, region.GuestPhysicalEnd >> layout.PageShift);
        }
        _pending = new FrameBitmap(TotalFrames);
        _pending.CopyFrom(_backed);
        _pending.AndNot(alreadyReceived);
        _pendingCount = _pending.CountSet();
        _alreadyReceived = _backed.CountSet() - _pendingCount;
    }

    public ulong TotalFrames { get; }

    public bool IsComplete
    {
        get
        {
            lock (_gate)
            {
                return _pendingCount == 0;
            }
        }
    }

    public string SkippingState => SkippingStates.AddressOrder;

    public int NextBatch(Span<ulong> gfns)
    {
        lock (_gate)
        {
            var n = 0;
            while (n < gfns.Length && _pendingCount > 0)
            {
                var gfn = _pending.FindNextSet(_position, TotalFrames);
                if (gfn >= TotalFrames)
                {
                    gfn = _pending.FindNextSet(0, _position);
                }
                _pending.Clear(gfn);
                _pendingCount--;
                _position = gfn + 1;
                gfns[n++] = gfn;
            }
            _backgroundFrames += (ulong)n;
            return n;
        }
    }

    public FaultDisposition OnDemandFault(ulong gfn)
    {
        lock (_gate)
        {
            if (!_backed.IsSet(gfn))
            {
                return FaultDisposition.NotBacked;
            }
            _position = gfn + 1;
            return TakeUrgent(gfn) ? FaultDisposition.SendNow : FaultDisposition.AlreadyHandled;
        }
    }

    public bool TryTakeForUrgent(ulong gfn)
    {
        lock (_gate)
        {
            return TakeUrgent(gfn);
        }
    }

    public int TakeZeroFill(Span<ulong> gfns) => 0;

    public bool TryTakeZeroFill(ulong gfn) => false;

    public bool MarkSent(ulong gfn) => MarkHandled(gfn);

    public bool MarkReceived(ulong gfn) => MarkHandled(gfn);

    public void ResumeFrom(ReadOnlySpan<ulong> receivedWords)
    {
        lock (_gate)
        {
            _pending.CopyFrom(_backed);
            _pending.AndNot(receivedWords);
            _pendingCount = _pending.CountSet();
            _position = 0;
        }
    }

    public PlanStatistics GetStatistics()
    {
        lock (_gate)
        {
            var toSend = new ulong[8];
            toSend[0] = _backed.CountSet() - _alreadyReceived;
            return new PlanStatistics(
                toSend,
                new ulong[8],
                skippingEnabled: false,
                SkippingStates.AddressOrder,
                holeFrames: 0,
                _alreadyReceived,
                _backgroundFrames,
                pivotFrames: 0,
                _urgentFrames,
                zeroFilledFrames: 0,
                _pendingCount);
        }
    }

    private bool TakeUrgent(ulong gfn)
    {
        if (!_pending.TryClear(gfn))
        {
            return false;
        }
        _pendingCount--;
        _urgentFrames++;
        return true;
    }

    private bool MarkHandled(ulong gfn)
    {
        lock (_gate)
        {
            if (!_pending.TryClear(gfn))
            {
                return false;
            }
            _pendingCount--;
            return true;
        }
    }
}
