using GuestAssist.Host.Source;

namespace GuestAssist.Host.Tests.Destination;

/// <summary>Hands out the inner schedule's frames, then waits (bounded) on <paramref name="end"/> before saying it is done.</summary>
internal sealed class StallingAtTheEnd(ITransferSchedule inner, ManualResetEventSlim end) : ITransferSchedule
{
    public string Description => inner.Description;

    public int TakeZeroFill(Span<ulong> gfns) => inner.TakeZeroFill(gfns);

    public int NextBatch(Span<ulong> gfns)
    {
        var n = inner.NextBatch(gfns);
        if (n == 0)
        {
            end.Wait(TimeSpan.FromSeconds(10));
            Thread.Sleep(200); // the sockets close first
        }
        return n;
    }

    public void OnDemandFault(ulong gfn) => inner.OnDemandFault(gfn);
}
