using GuestAssist.Host.Source;

namespace GuestAssist.Simulation.EngineBench;

/// <summary>No background stream at all: only demand faults travel (the baseline of target a).</summary>
internal sealed class EmptySchedule : ITransferSchedule
{
    public string Description => "no background stream";

    public int TakeZeroFill(Span<ulong> gfns) => 0;

    public int NextBatch(Span<ulong> gfns) => 0;

    public void OnDemandFault(ulong gfn)
    {
    }
}
