using GuestAssist.Host.Destination;
using GuestAssist.Host.Firecracker;
using GuestAssist.Simulation.VirtualMachine;

namespace GuestAssist.IntegrationTests.Firecracker;

/// <summary>
/// The UFFD handler against a separate stand-in VMM process that does what Firecracker does (64 + 32 MiB
/// regions, EVENT_REMOVE, regions registered MISSING, one message with the uffd, socket kept open).
/// </summary>
public sealed class FirecrackerStandInTests : IDisposable
{
    private const ulong Page = 4096;
    private const ulong Region0MiB = 64;
    private const ulong Region1MiB = 32;
    private static readonly TimeSpan StandInTimeout = TimeSpan.FromSeconds(60);

    private readonly string _directory = Directory.CreateTempSubdirectory("ga-fc-").FullName;

    private string SocketPath => Path.Combine(_directory, "uffd.sock");

    private string MemoryFile => Path.Combine(_directory, "memory.bin");

    [RootFact]
    public async Task The_stand_in_vmm_reads_its_memory_file_and_a_removed_range_reads_zero()
    {
        WriteMemoryFile((Region0MiB + Region1MiB) << 20);
        using var handler = new FirecrackerUffdHandler(SocketPath);
        var serve = handler.ServeOneAsync((ulong)new FileInfo(MemoryFile).Length, server => MemoryFileRequester.OpenFor(server, MemoryFile));
        using var vmm = new StandInVmm("firecracker", SocketPath, MemoryFile, "ok", $"{Region0MiB}", $"{Region1MiB}");

        var exit = await vmm.ExitCodeAsync(StandInTimeout);
        Assert.True(exit == 0, $"stand-in exit {exit?.ToString() ?? "(hung, killed)"}:\n{vmm.Output}");
        Assert.Contains("0 mismatches; removed range reads zero: True", vmm.Output);

        var summary = await serve.WaitAsync(StandInTimeout);
        Assert.Equal(vmm.ProcessId, summary.VmmProcessId);
        Assert.Equal(2, summary.Regions);
        Assert.Equal((Region0MiB + Region1MiB) << 20, summary.MemoryBytes);
        Assert.Equal(1, summary.Statistics.RemoveEvents);
        Assert.True(summary.Statistics.PagesInstalled > 30, $"{summary.Statistics}");
        Assert.Equal(16, summary.Statistics.LocalZeroFills);
        Assert.Equal(summary.Statistics.PagesInstalled + summary.Statistics.LocalZeroFills, summary.Blocktime.Count);
    }

    [RootTheory]
    [InlineData("bad-json", HandshakeFailure.MalformedJson, "Firecracker UFFD handshake refused (MalformedJson): not valid JSON (line 1, byte ")]
    [InlineData("bad-offsets", HandshakeFailure.MappingsDoNotAddUp, "the regions before it add up to")]
    [InlineData("misaligned", HandshakeFailure.MappingsDoNotAddUp, "is not aligned")]
    [InlineData("no-fd", HandshakeFailure.MissingDescriptor, "without a userfaultfd")]
    [InlineData("close-early", HandshakeFailure.ConnectionClosed, "closed the socket")]
    public async Task A_malformed_handshake_is_a_clear_error_and_the_vmm_is_killed_not_hung(string mode, HandshakeFailure failure, string message)
    {
        WriteMemoryFile((Region0MiB + Region1MiB) << 20);
        using var handler = new FirecrackerUffdHandler(SocketPath) { HandshakeTimeout = TimeSpan.FromSeconds(20) };
        var serve = handler.ServeOneAsync((ulong)new FileInfo(MemoryFile).Length, server => MemoryFileRequester.OpenFor(server, MemoryFile));
        using var vmm = new StandInVmm("firecracker", SocketPath, MemoryFile, mode, $"{Region0MiB}", $"{Region1MiB}");

        var error = await Assert.ThrowsAsync<FirecrackerHandshakeException>(() => serve.WaitAsync(StandInTimeout));
        Assert.Equal(failure, error.Failure);
        Assert.Contains(message, error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(error.Message, "handshake refused"));
        var exit = await vmm.ExitCodeAsync(StandInTimeout);
        Assert.NotNull(exit);
        Assert.Equal(128 + 9, exit);
        Assert.DoesNotContain("served unexpectedly", vmm.Output);
    }

    [RootFact]
    public async Task Regions_larger_than_the_memory_file_are_refused()
    {
        WriteMemoryFile(Region0MiB << 20);
        using var handler = new FirecrackerUffdHandler(SocketPath);
        var serve = handler.ServeOneAsync((ulong)new FileInfo(MemoryFile).Length, server => MemoryFileRequester.OpenFor(server, MemoryFile));
        using var vmm = new StandInVmm("firecracker", SocketPath, MemoryFile, "ok", $"{Region0MiB}", $"{Region1MiB}");
        var error = await Assert.ThrowsAsync<FirecrackerHandshakeException>(() => serve.WaitAsync(StandInTimeout));
        Assert.Equal(HandshakeFailure.MappingsDoNotAddUp, error.Failure);
        Assert.Contains("but the memory file has", error.Message);
        Assert.Equal(128 + 9, await vmm.ExitCodeAsync(StandInTimeout));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private void WriteMemoryFile(ulong bytes) => PatternMemoryFile.Write(MemoryFile, bytes);
}
