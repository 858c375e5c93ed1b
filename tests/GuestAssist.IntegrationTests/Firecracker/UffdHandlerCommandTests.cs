using GuestAssist.Cli.Commands;

namespace GuestAssist.IntegrationTests.Firecracker;

public sealed class UffdHandlerCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ga-cli-").FullName;

    [Fact]
    public async Task Source_without_the_engine_and_missing_arguments_are_clear_errors()
    {
        var socket = Path.Combine(_directory, "a.sock");
        if (UffdHandlerCommand.RemoteSourceFactory is null)
        {
            Assert.Equal(2, await UffdHandlerCommand.RunAsync(socket, null, "127.0.0.1:7000", TimeSpan.FromSeconds(1), default));
        }
        Assert.Equal(2, await UffdHandlerCommand.RunAsync(socket, null, null, TimeSpan.FromSeconds(1), default));
        Assert.Equal(2, await UffdHandlerCommand.RunAsync(socket, new FileInfo(Path.Combine(_directory, "missing.bin")), null, TimeSpan.FromSeconds(1), default));
    }

    [RootFact]
    public async Task The_command_serves_the_stand_in_vmm_from_a_memory_file()
    {
        var socket = Path.Combine(_directory, "uffd.sock");
        var memory = Path.Combine(_directory, "memory.bin");
        var bytes = new byte[(8 + 4) << 20];
        new Random(7).NextBytes(bytes);
        await File.WriteAllBytesAsync(memory, bytes);
        var run = UffdHandlerCommand.RunAsync(socket, new FileInfo(memory), null, TimeSpan.FromSeconds(20), default);
        using var vmm = new StandInVmm("firecracker", socket, memory, "ok", "8", "4");
        var exit = await vmm.ExitCodeAsync(TimeSpan.FromSeconds(60));
        Assert.True(exit == 0, $"stand-in exit {exit?.ToString() ?? "(hung, killed)"}:\n{vmm.Output}");
        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(60)));
    }

    [RootFact]
    public async Task The_command_reports_a_refused_handshake_with_exit_code_1()
    {
        var socket = Path.Combine(_directory, "uffd.sock");
        var memory = Path.Combine(_directory, "memory.bin");
        await File.WriteAllBytesAsync(memory, new byte[(8 + 4) << 20]);
        var run = UffdHandlerCommand.RunAsync(socket, new FileInfo(memory), null, TimeSpan.FromSeconds(20), default);
        using var vmm = new StandInVmm("firecracker", socket, memory, "no-fd", "8", "4");
        Assert.Equal(1, await run.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(128 + 9, await vmm.ExitCodeAsync(TimeSpan.FromSeconds(60)));
    }

    [RootFact]
    public async Task The_command_exits_3_when_the_page_server_is_missing_and_kills_the_vmm()
    {
        var socket = Path.Combine(_directory, "uffd.sock");
        var memory = Path.Combine(_directory, "memory.bin");
        await File.WriteAllBytesAsync(memory, new byte[(8 + 4) << 20]);
        var run = UffdHandlerCommand.RunAsync(socket, null, $"unix:{Path.Combine(_directory, "nobody.sock")}", TimeSpan.FromSeconds(20), default);
        using var vmm = new StandInVmm("firecracker", socket, memory, "ok", "8", "4");
        Assert.Equal(GuestAssist.Cli.ExitCodes.Unavailable, await run.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(128 + 9, await vmm.ExitCodeAsync(TimeSpan.FromSeconds(60)));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
