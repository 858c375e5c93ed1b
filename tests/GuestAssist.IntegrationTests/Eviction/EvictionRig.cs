using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using GuestAssist.Cli.Commands;
using GuestAssist.FirecrackerStandIn.Api;
using GuestAssist.Host.EvictionSession;
using GuestAssist.Host.Layout;
using GuestAssist.Host.Vmm.Firecracker;
using GuestAssist.IntegrationTests.Firecracker;
using GuestAssist.Linux.Transports;
using GuestAssist.Simulation.VirtualMachine;

namespace GuestAssist.IntegrationTests.Eviction;

/// <summary>
/// The source and destination of one test eviction: a Firecracker stand-in API over a pattern memory file (two regions,
/// as Firecracker maps them), the session's page server on a Unix socket, and on the destination `uffd-handler --source`
/// with the FirecrackerStandIn VMM, which checks every page against the snapshot's memory file.
/// </summary>
internal sealed class EvictionRig : IDisposable
{
    public const ulong Region0 = 16UL << 20;
    public const ulong Region1 = 8UL << 20;

    private readonly List<string> _story = [];

    public EvictionRig(string directory)
    {
        Directory = directory;
        GuestMemory = Path.Combine(directory, "guest.mem");
        PatternMemoryFile.Write(GuestMemory, Region0 + Region1);
        Api = new FirecrackerApiStandIn(Path.Combine(directory, "api.sock"), GuestMemory, (Region0 + Region1) >> 20);
        ApiClient = new FirecrackerApiClient(Api.SocketPath, TimeSpan.FromSeconds(10));
        Layout = new GuestMemoryLayout([new MemoryRegion(0, Region0, 0), new MemoryRegion(4UL << 30, Region1, Region0)]);
        Vm = new FirecrackerVm(ApiClient, Path.Combine(directory, "snapshot.mem"), Path.Combine(directory, "snapshot.vmstate"), Layout);
        PageSocket = Path.Combine(directory, "pages.sock");
    }

    public string Directory { get; }

    public string GuestMemory { get; }

    public FirecrackerApiStandIn Api { get; }

    public FirecrackerApiClient ApiClient { get; }

    public GuestMemoryLayout Layout { get; }

    public FirecrackerVm Vm { get; }

    public string PageSocket { get; }

    public EvictionOptions Options() => new()
    {
        Vmm = Vm,
        Listen = new UnixAddress(PageSocket),
        Link = Host.Source.LinkRate.Parse("4gbit"),
        StepTimeout = TimeSpan.FromSeconds(20),
        TransferTimeout = TimeSpan.FromSeconds(90),
        HeartbeatInterval = TimeSpan.FromMilliseconds(100),
        HeartbeatTimeout = TimeSpan.FromSeconds(3),
    };

    /// <summary>What the session reported so far, for failure messages.</summary>
    public string Story
    {
        get
        {
            lock (_story)
            {
                return string.Join('\n', _story);
            }
        }
    }

    /// <summary>Records the session's reports and completes when its page server waits for the destination.</summary>
    public Task<EvictionProgress> Listening(Host.EvictionSession.Eviction eviction)
    {
        eviction.Progress.Subscribe(p =>
        {
            lock (_story)
            {
                _story.Add($"{p.Elapsed.TotalMilliseconds:F0} ms {p.Phase}: {p.Message ?? $"{p.BytesSent} bytes, {p.PagesPerSecond:F0} pages/s, {p.FaultsServed} faults, drops {p.ConnectionDrops} {p.Outage}"}");
            }
        });
        return eviction.Progress.FirstAsync(p => p.Message?.StartsWith("page server on", StringComparison.Ordinal) == true).ToTask();
    }

    /// <summary>
    /// The destination: `uffd-handler --source` and the stand-in VMM, which reads and verifies every page and then runs on
    /// as a migrated VM does. Once it has verified everything and the session has ended, the VMM is killed (its work here is
    /// done) and the handler must exit 0 after it.
    /// </summary>
    public async Task<(int Handler, string Output)> RunDestinationAsync(Task session)
    {
        var uffdSocket = Path.Combine(Directory, "uffd.sock");
        var handler = UffdHandlerCommand.RunAsync(uffdSocket, null, "unix:" + PageSocket, TimeSpan.FromSeconds(30), default);
        // Verified against the guest's memory, not the snapshot file: the session punches confirmed pages out of that one.
        var vmm = new StandInVmm("firecracker", uffdSocket, GuestMemory, "verify-all-then-run", $"{Region0 >> 20}", $"{Region1 >> 20}");
        try
        {
            for (var i = 0; i < 1200 && !vmm.Output.Contains("stand-in: verified:", StringComparison.Ordinal); i++)
            {
                await Task.Delay(50);
            }
            Assert.True(vmm.Output.Contains("stand-in: verified:", StringComparison.Ordinal), $"the stand-in did not verify its memory within 60 s:\n{vmm.Output}\n{Story}");
            if (await Task.WhenAny(session, Task.Delay(TimeSpan.FromSeconds(30))) != session)
            {
                Assert.Fail($"the session did not finish after the destination had every page:\n{vmm.Output}\n{Story}");
            }
            var output = vmm.Output;
            vmm.Dispose();
            await session;
            return (await handler.WaitAsync(TimeSpan.FromSeconds(30)), output);
        }
        finally
        {
            vmm.Dispose();
        }
    }

    public void Dispose()
    {
        ApiClient.Dispose();
        Api.Dispose();
    }
}
