using System.CommandLine;
using GuestAssist.Cli.Commands;
using GuestAssist.Host.Destination;
using GuestAssist.Host.Firecracker;
using GuestAssist.Simulation.VirtualMachine;

namespace GuestAssist.IntegrationTests.Firecracker;

/// <summary>
/// The UFFD handler against the stand-in VMM as older and odder Firecrackers behave: handshakes without page_size,
/// a handshake socket closed while vCPUs fault, page sources that are missing or of another geometry.
/// </summary>
public sealed class FirecrackerConformanceTests : IDisposable
{
    private static readonly TimeSpan StandInTimeout = TimeSpan.FromSeconds(60);

    private readonly string _directory = Directory.CreateTempSubdirectory("ga-fcc-").FullName;

    private string SocketPath => Path.Combine(_directory, "uffd.sock");

    private string MemoryFile => Path.Combine(_directory, "memory.bin");

    [RootTheory]
    [InlineData("no-page-size")]
    [InlineData("page-size-kib-only")]
    public async Task Old_handshake_shapes_are_served_and_every_page_read_back_is_verified(string mode)
    {
        PatternMemoryFile.Write(MemoryFile, 24 << 20);
        using var handler = new FirecrackerUffdHandler(SocketPath);
        var serve = handler.ServeOneAsync(24 << 20, server => MemoryFileRequester.OpenFor(server, MemoryFile));
        using var vmm = new StandInVmm("firecracker", SocketPath, MemoryFile, mode, "16", "8");

        var exit = await vmm.ExitCodeAsync(StandInTimeout);
        Assert.True(exit == 0, $"stand-in exit {exit?.ToString() ?? "(hung, killed)"}:\n{vmm.Output}");
        // 16 MiB / 61 + last, 8 MiB / 37 + last, the 16 pages later removed, 4 after the REMOVE.
        Assert.Contains("stand-in: verified: 146 pages ok, 0 mismatches; removed range reads zero: True", vmm.Output);
        var summary = await serve.WaitAsync(StandInTimeout);
        Assert.Equal(2, summary.Regions);
        Assert.Equal(16, summary.Statistics.LocalZeroFills);
        Assert.True(summary.VmmGone);
    }

    [RootFact]
    public async Task Closing_the_handshake_socket_while_vcpus_fault_does_not_end_the_session()
    {
        PatternMemoryFile.Write(MemoryFile, 24 << 20);
        using var handler = new FirecrackerUffdHandler(SocketPath);
        var serve = handler.ServeOneAsync(24 << 20, server => MemoryFileRequester.OpenFor(server, MemoryFile));
        using var vmm = new StandInVmm("firecracker", SocketPath, MemoryFile, "hang-up-while-faulting", "16", "8");

        var exit = await vmm.ExitCodeAsync(StandInTimeout);
        Assert.True(exit == 0, $"stand-in exit {exit?.ToString() ?? "(hung, killed)"}:\n{vmm.Output}");
        Assert.Contains("verified: 6144 of 6144 pages ok, 0 mismatches", vmm.Output);
        var summary = await serve.WaitAsync(StandInTimeout);
        Assert.Equal(6144, summary.Statistics.PagesInstalled);
        Assert.Equal(6144, summary.Statistics.Faults);
        Assert.True(summary.VmmGone);
    }

    [RootFact]
    public async Task A_missing_page_server_is_one_line_naming_enoent_and_the_vmm_is_killed()
    {
        PatternMemoryFile.Write(MemoryFile, 12 << 20);
        var address = $"unix:{Path.Combine(_directory, "nobody.sock")}";
        using var handler = new FirecrackerUffdHandler(SocketPath);
        var serve = handler.ServeOneAsync(null, server => PostCopyClient.Connect(server, address, new PostCopyClientOptions { ConnectDeadline = TimeSpan.FromSeconds(1) }));
        using var vmm = new StandInVmm("firecracker", SocketPath, MemoryFile, "ok", "8", "4");

        var error = await Assert.ThrowsAsync<FirecrackerHandshakeException>(() => serve.WaitAsync(StandInTimeout));
        Assert.Equal(HandshakeFailure.PageSourceUnavailable, error.Failure);
        var path = System.Text.RegularExpressions.Regex.Escape(address);
        Assert.Matches(
            $@"^Firecracker UFFD handshake refused \(PageSourceUnavailable\): cannot serve VMM pid {vmm.ProcessId}'s 12 MiB in 4096-byte pages: page server {path} unreachable for \d+ s on the Urgent channel \(\d+ attempts, deadline 1 s\): no page server at {path}: ENOENT \(No such file or directory\)$",
            error.Message);
        Assert.Equal(128 + 9, await vmm.ExitCodeAsync(StandInTimeout));
    }

    [RootFact]
    public async Task A_page_server_of_another_layout_is_one_line_naming_the_destination_geometry()
    {
        PatternMemoryFile.Write(MemoryFile, 16 << 20);
        var pageServer = Path.Combine(_directory, "ps.sock");
        using var stop = new CancellationTokenSource();
        var server = PageServer(stop.Token, "--memory-file", MemoryFile, "--listen", $"unix:{pageServer}", "--regions", "8MiB,8MiB");
        await WaitForSocketAsync(pageServer);
        using var handler = new FirecrackerUffdHandler(SocketPath);
        var serve = handler.ServeOneAsync(null, s => PostCopyClient.Connect(s, $"unix:{pageServer}"));
        using var vmm = new StandInVmm("firecracker", SocketPath, MemoryFile, "ok", "8", "4");

        var error = await Assert.ThrowsAsync<FirecrackerHandshakeException>(() => serve.WaitAsync(StandInTimeout));
        Assert.Equal(
            $"Firecracker UFFD handshake refused (PageSourceUnavailable): cannot serve VMM pid {vmm.ProcessId}'s 12 MiB in 4096-byte pages: page server refused the Urgent channel: page size or frame count differ from its memory (this destination has 4096-byte pages and 1049600 frames; give page-server the same --page-size and --regions)",
            error.Message);
        Assert.Equal(128 + 9, await vmm.ExitCodeAsync(StandInTimeout));
        await stop.CancelAsync();
        Assert.Equal(0, await server.WaitAsync(StandInTimeout));
    }

    [Fact]
    public async Task Page_server_refuses_a_class_map_of_another_size_naming_both()
    {
        PatternMemoryFile.Write(MemoryFile, 8 << 20);
        var map = Path.Combine(_directory, "other.map");
        // A map of 25 GiB (6.5 M frames: a host's own /proc/kpageflags) for this 8 MiB (2,048-frame) guest.
        var builder = new GuestAssist.Protocol.PageMaps.PageClassMapBuilder(withHeat: false, withOwners: false);
        builder.Append(6_553_600, GuestAssist.Protocol.V1.PageClass.Cache);
        GuestAssist.Protocol.MapFiles.MapFile.Write(map, builder.Build(new GuestAssist.Protocol.V1.MapEpoch(), 4096));
        using var bound = new CancellationTokenSource(StandInTimeout);
        var exit = await PageServer(bound.Token, "--memory-file", MemoryFile, "--listen", $"unix:{Path.Combine(_directory, "ps.sock")}", "--map", map);
        Assert.Equal(2, exit);
        Assert.False(bound.IsCancellationRequested, "page-server accepted the map and served until cancelled");
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    internal static Task<int> PageServer(CancellationToken cancellationToken, params string[] args)
    {
        var root = new RootCommand("test");
        root.Subcommands.Add(PageServerCommand.Create());
        // No secret: these tests are about geometry and maps, on a Unix socket only this test process reaches.
        return root.Parse(["page-server", "--no-secret", .. args]).InvokeAsync(cancellationToken: cancellationToken);
    }

    internal static async Task WaitForSocketAsync(string path)
    {
        for (var i = 0; i < 200 && !File.Exists(path); i++)
        {
            await Task.Delay(25);
        }
        Assert.True(File.Exists(path), $"page-server did not listen on {path}");
    }
}
