using GuestAssist.Host.Destination;

namespace GuestAssist.Simulation.EngineBench;

/// <summary>The requester of a benchmark fault server that only installs: a fault there is a bug in the benchmark.</summary>
internal sealed class UnexpectedFaultRequester : IPageRequester
{
    public void RequestUrgent(ulong gfn) => throw new InvalidOperationException($"benchmark: GFN 0x{gfn:x} faulted, but this run only installs");
}
