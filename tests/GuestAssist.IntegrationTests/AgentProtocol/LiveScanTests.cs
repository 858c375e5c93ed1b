using System.Diagnostics;
using GuestAssist.Agent.Serving;
using GuestAssist.Guest.ProcFs;
using GuestAssist.IntegrationTests.AgentProtocol.Support;
using GuestAssist.Protocol.Handshake;
using GuestAssist.Protocol.PageMaps;
using GuestAssist.Protocol.V1;

namespace GuestAssist.IntegrationTests.AgentProtocol;

/// <summary>The daemon serving this machine's real frame scan to the host client.</summary>
public sealed class LiveScanTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [KPageFlagsFact]
    public async Task A_live_map_over_the_wire_equals_the_scanners_map_and_covers_every_frame()
    {
        var scanner = ScannerMemoryMapSource.Create(ProcFsPaths.Live, heatWindow: TimeSpan.Zero);
        using var owned = scanner as IDisposable;
        var source = new RecordingMapSource(scanner);
        await using var agent = await RunningAgent.StartOnUnixAsync(_directory, source);
        await using var client = await agent.ConnectAsync();

        var status = await client.GetStatusAsync();
        var fetched = await client.GetMemoryMapAsync(includeHeat: true, includeOwners: true, ownerPids: [Environment.ProcessId]);

        Assert.True(client.Session.Has(Capabilities.MemoryMapV1));
        Assert.DoesNotContain(status.Capabilities, c => c == Capabilities.DirtyAttributionV1);
        Assert.Equal(CgroupThrottling.Offered, status.Capabilities.Contains(Capabilities.ThrottleCgroup));
        var scanned = source.Last!;
        var sent = PageClassMapCodec.FromChunks(scanned.Chunks);
        var map = fetched.Map;
        Assert.Equal(sent.Runs.ToArray(), map.Runs.ToArray());
        Assert.Equal(sent.RunHeat, map.RunHeat);
        Assert.Equal(sent.RunOwner, map.RunOwner);
        Assert.Equal(scanned.HeatMethod, fetched.HeatMethod);
        Assert.Contains(map.Owners, o => o.Pid == Environment.ProcessId);
        var classes = new[] { PageClass.Kernel, PageClass.Hot, PageClass.Active, PageClass.Inactive, PageClass.Cache, PageClass.Unproven, PageClass.Free, PageClass.Unbacked };
        Assert.Equal(map.TotalFrames, classes.Aggregate(0ul, (sum, c) => sum + map.CountOf(c)));
        Assert.InRange(status.RamFrames, 1ul, map.TotalFrames);
        // Holes between RAM ranges are firmware's (ROM shadows, ACPI): sent with the kernel's frames, never unbacked.
        Assert.True(map.CountOf(PageClass.Kernel) >= map.TotalFrames - status.RamFrames, "holes between RAM ranges are sent as kernel frames");
        Assert.True(map.CountOf(PageClass.Kernel) > 0);
        // Same clock on both sides here: the scan started after the host stamped its request.
        Assert.True(Stopwatch.Frequency != 1_000_000_000 || (ulong)fetched.RequestedAt <= map.Epoch.GuestMonotonicNs);
    }
}
