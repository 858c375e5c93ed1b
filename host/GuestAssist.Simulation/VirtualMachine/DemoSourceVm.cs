using GuestAssist.Host.Layout;
using GuestAssist.Linux;
using GuestAssist.Linux.Memory;

namespace GuestAssist.Simulation.VirtualMachine;

/// <summary>
/// The source "VM": guest RAM in a memfd, mapped shared as a VMM maps guest memory, and a workload that writes through
/// that mapping with ordinary stores. Boot writes generation 1; after the map report the workload writes generation 2 to
/// <see cref="DemoScenario.WrittenAfterReport"/>, and nothing but a dirty log over <see cref="Layout"/> sees those writes.
/// </summary>
public sealed class DemoSourceVm : IDisposable
{
    private readonly DemoScenario _scenario;
    private readonly FileDescriptorHandle _memoryFile;
    private readonly MappedMemory _memory;

    public DemoSourceVm(DemoScenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        _scenario = scenario;
        var size = scenario.Frames * DemoScenario.PageSize;
        _memoryFile = Linux.Memory.MemoryFile.Create("guestassist-demo-vm", size);
        try
        {
            _memory = MappedMemory.MapFile(_memoryFile, size, 0, MemoryProtection.ReadWrite, shared: true);
        }
        catch
        {
            _memoryFile.Dispose();
            throw;
        }
        Layout = scenario.Layout.WithHostAddresses([_memory.Address64]);
        for (ulong gfn = 0; gfn < scenario.Frames; gfn++)
        {
            if (scenario.HasInitialContent(gfn))
            {
                Write(gfn, 1);
            }
        }
    }

    /// <summary>The memfd (the page server and the destination's verifier read it through /proc/PID/fd/N).</summary>
    public FileDescriptorHandle File => _memoryFile;

    /// <summary>The scenario's layout with the host address of the mapping the workload writes through.</summary>
    public GuestMemoryLayout Layout { get; }

    /// <summary>Runs the guest from the map report to switchover: generation 2 written to the frames the scenario names.</summary>
    public void RunUntilSwitchover()
    {
        foreach (var gfn in _scenario.WrittenAfterReport)
        {
            Write(gfn, 2);
        }
    }

    public void Dispose()
    {
        _memory.Dispose();
        _memoryFile.Dispose();
    }

    private void Write(ulong gfn, uint generation) =>
        PagePattern.Write(_memory.AsSpan(gfn * DemoScenario.PageSize, (int)DemoScenario.PageSize), gfn, generation);
}
