using GuestAssist.Host.Destination;
using GuestAssist.Host.Firecracker;
using GuestAssist.Simulation.VirtualMachine;

namespace GuestAssist.IntegrationTests.Firecracker;

/// <summary>
/// A hugetlbfs guest (Firecracker huge_pages "2M"): 32 + 16 MiB of 2 MiB pages, every page read back and verified,
/// then whole huge pages removed (REMOVE) and read back as zeros, which needs zero pages without UFFDIO_ZEROPAGE.
/// </summary>
public sealed class FirecrackerHugePagesTests : IDisposable
{
    private const int GuestHugePages = 24;
    private static readonly TimeSpan StandInTimeout = TimeSpan.FromSeconds(60);

    private readonly string _directory = Directory.CreateTempSubdirectory("ga-fch-").FullName;

    private string SocketPath => Path.Combine(_directory, "uffd.sock");

    private string MemoryFile => Path.Combine(_directory, "memory.bin");

    [HugePagesFact]
    public async Task A_hugetlbfs_guest_is_served_from_a_memory_file_and_a_removed_huge_page_reads_zero()
    {
        PatternMemoryFile.Write(MemoryFile, 48 << 20);
        using var reservation = HugePageReservation.Reserve(GuestHugePages);
        using var handler = new FirecrackerUffdHandler(SocketPath);
        var serve = handler.ServeOneAsync(48 << 20, server => MemoryFileRequester.OpenFor(server, MemoryFile));
        using var vmm = new StandInVmm("firecracker", SocketPath, MemoryFile, "huge-pages", "32", "16");

        await AssertServedAsync(vmm, serve);
    }

    [HugePagesFact]
    public async Task A_hugetlbfs_guest_is_served_by_a_page_server_started_with_page_size_2mib()
    {
        PatternMemoryFile.Write(MemoryFile, 48 << 20);
        var pageServer = Path.Combine(_directory, "ps.sock");
        using var stop = new CancellationTokenSource();
        var server = FirecrackerConformanceTests.PageServer(stop.Token, "--memory-file", MemoryFile, "--listen", $"unix:{pageServer}", "--regions", "32MiB,16MiB", "--page-size", "2MiB");
        await FirecrackerConformanceTests.WaitForSocketAsync(pageServer);
        using var reservation = HugePageReservation.Reserve(GuestHugePages);
        using var handler = new FirecrackerUffdHandler(SocketPath);
        var serve = handler.ServeOneAsync(null, s => PostCopyClient.Connect(s, $"unix:{pageServer}"));
        using var vmm = new StandInVmm("firecracker", SocketPath, MemoryFile, "huge-pages", "32", "16");

        await AssertServedAsync(vmm, serve);
        await stop.CancelAsync();
        Assert.Equal(0, await server.WaitAsync(StandInTimeout));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static async Task AssertServedAsync(StandInVmm vmm, Task<FirecrackerSessionSummary> serve)
    {
        var exit = await vmm.ExitCodeAsync(StandInTimeout);
        Assert.True(exit == 0, $"stand-in exit {exit?.ToString() ?? "(hung, killed)"}:\n{vmm.Output}");
        // All 16 + 8 huge pages, the 2 later removed again, 4 after the REMOVE.
        Assert.Contains("stand-in: verified: 32 pages ok, 0 mismatches; removed range reads zero: True", vmm.Output);
        var summary = await serve.WaitAsync(StandInTimeout);
        Assert.Equal(1, summary.Statistics.RemoveEvents);
        Assert.Equal(2, summary.Statistics.LocalZeroFills);
        Assert.True(summary.VmmGone);
    }
}
