using GuestAssist.Host.Planning;
using GuestAssist.Host.Source;

namespace GuestAssist.Simulation.VirtualMachine;

/// <summary>
/// An experiment beside the planner's own pivots: class order and skipping from a <see cref="TransferPlanner"/> built
/// without pivots, plus QEMU-style forward pre-paging. A demand fault outside the window already in flight moves one
/// window to the frames just above it; the next batches send those first, ascending, so they travel as contiguous
/// multi-page frames. Measures what a forward, contiguous pivot would buy (migrate-demo --policy enlightened-forward).
/// </summary>
public sealed class ForwardPrepagingSchedule(TransferPlanner planner, int window) : ITransferSchedule
{
    private readonly Lock _gate = new();
    private ulong _start;
    private ulong _next;
    private ulong _end;

    public string Description => $"enlightened with forward pre-paging of {window} frames from the newest fault (experiment), {planner.SkippingState}";

    /// <summary>A page-server schedule factory: fresh on the first connection, resumed on reconnects.</summary>
    public Func<ulong[]?, ITransferSchedule> Factory() => received =>
    {
        if (received is not null)
        {
            planner.ResumeFrom(received);
            lock (_gate)
            {
                _next = _end;
            }
        }
        return this;
    };

    public int TakeZeroFill(Span<ulong> gfns) => planner.TakeZeroFill(gfns);

    public int NextBatch(Span<ulong> gfns)
    {
        var n = 0;
        lock (_gate)
        {
            while (n < gfns.Length && _next < _end)
            {
                var gfn = _next++;
                if (planner.TryTakeForUrgent(gfn))
                {
                    gfns[n++] = gfn;
                }
            }
        }
        return n + planner.NextBatch(gfns[n..]);
    }

    public void OnDemandFault(ulong gfn)
    {
        planner.OnDemandFault(gfn);
        lock (_gate)
        {
            if (gfn >= _start && gfn < _next)
            {
                return; // a frame this window already sent: it is in flight, keep streaming ahead of it
            }
            _start = gfn;
            _next = gfn + 1;
            _end = Math.Min(gfn + 1 + (ulong)window, planner.TotalFrames);
        }
    }
}
