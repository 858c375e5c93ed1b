using GuestAssist.Cli.Commands;
using GuestAssist.Host.Layout;
using GuestAssist.Host.Source;
using GuestAssist.IntegrationTests.Firecracker;
using GuestAssist.Linux.Transports;

namespace GuestAssist.IntegrationTests.Migration;

/// <summary>`uffd-handler --source ADDR`: the Firecracker stand-in VMM served from a remote page server (post-copy).</summary>
public sealed class FirecrackerRemoteSourceTests : IDisposable
{
    private const ulong Region0 = 16UL << 20;
    private const ulong Region1 = 8UL << 20;

    private readonly string _directory = Directory.CreateTempSubdirectory("ga-remote-").FullName;

    [RootFact]
    public async Task The_stand_in_vmm_is_served_from_a_page_server_over_both_channels()
    {
        var memoryFile = Path.Combine(_directory, "memory.bin");
        var bytes = new byte[Region0 + Region1];
        new Random(11).NextBytes(bytes);
        await File.WriteAllBytesAsync(memoryFile, bytes);
        var layout = new GuestMemoryLayout([new MemoryRegion(0, Region0, 0), new MemoryRegion(4UL << 30, Region1, Region0)]);
        var pageSocket = Path.Combine(_directory, "pages.sock");
        using var source = new MappedFilePageSource(memoryFile, layout);
        using var server = new PageServer(source, layout, received => new AddressOrderSchedule(layout, received), new PageServerOptions { Link = new TokenBucket(LinkRate.Parse("1gbit")) });
        server.Listen(TransportAddress.Parse("unix:" + pageSocket));

        var uffdSocket = Path.Combine(_directory, "uffd.sock");
        var run = UffdHandlerCommand.RunAsync(uffdSocket, null, "unix:" + pageSocket, TimeSpan.FromSeconds(20), default);
        using var vmm = new StandInVmm("firecracker", uffdSocket, memoryFile, "ok", $"{Region0 >> 20}", $"{Region1 >> 20}");
        var exit = await vmm.ExitCodeAsync(TimeSpan.FromSeconds(60));
        Assert.True(exit == 0, $"stand-in exit {exit?.ToString() ?? "(hung, killed)"}:\n{vmm.Output}");
        Assert.Contains("0 mismatches; removed range reads zero: True", vmm.Output, StringComparison.Ordinal);
        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(60)));
        var stats = server.Counters.Snapshot();
        Assert.True(stats.UrgentRequests > 0, "the stand-in's touches should have faulted urgently");
        Assert.True(stats.Connections >= 2);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
