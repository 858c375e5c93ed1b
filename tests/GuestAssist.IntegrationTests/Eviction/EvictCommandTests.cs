using System.Text.Json;
using GuestAssist.Cli;
using GuestAssist.Cli.Evict;
using GuestAssist.IntegrationTests.AgentProtocol.Support;
using GuestAssist.IntegrationTests.Firecracker;
using Xunit.Abstractions;

namespace GuestAssist.IntegrationTests.Eviction;

/// <summary>`guestassist evict` against the stand-ins: JSON lines with each phase's time, plain lines without ANSI, exit codes.</summary>
public sealed class EvictCommandTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _directory = new();
    private EvictionRig? _rig;

    private EvictionRig Rig => _rig ??= new EvictionRig(_directory.Path);

    public void Dispose()
    {
        _rig?.Dispose();
        _directory.Dispose();
    }

    [RootFact]
    public async Task Evict_json_prints_snake_case_lines_and_a_result_with_every_phases_time()
    {
        using var stdout = new StringWriter();
        var options = Rig.Options();
        var evict = Task.Run(() => EvictCommand.RunAsync(options, stdout, json: true, terminal: false, default));
        await WaitForAsync(() => stdout.ToString().Contains("page server on", StringComparison.Ordinal));
        var (_, handler, vmmOutput) = await Rig.RunDestinationAsync(SessionResultOf(evict));

        var exit = await evict;
        var lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var result = lines[^1];
        output.WriteLine(lines[^1].GetRawText());

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains($"verified: {Rig.Layout.MemoryBytes / 4096} pages ok, 0 mismatches", vmmOutput, StringComparison.Ordinal);
        Assert.Equal(0, handler);
        Assert.All(lines[..^1], l => Assert.Equal("progress", l.GetProperty("type").GetString()));
        Assert.Equal("result", result.GetProperty("type").GetString());
        Assert.Equal("completed", result.GetProperty("outcome").GetString());
        Assert.Equal(0, result.GetProperty("exit_code").GetInt32());
        var phases = result.GetProperty("phase_times_s").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal(["connect-agent", "start-dirty-log", "begin-eviction", "memory-map", "pre-switchover", "switchover", "post-copy", "source-free", "end-eviction"], phases);
        Assert.Contains(lines, l => l.TryGetProperty("bytes_sent_by_class", out _) && l.GetProperty("pages_per_second").GetDouble() >= 0);
        Assert.All(lines.SelectMany(l => l.EnumerateObject()), p => Assert.Matches("^[a-z0-9_]+$", p.Name));
    }

    [RootFact]
    public async Task A_refused_snapshot_is_exit_1_with_one_plain_line_and_no_ansi()
    {
        Rig.Api.Refuse("/snapshot/create", "Create snapshot error: Cannot write memory file: No space left on device (os error 28)");
        using var stdout = new StringWriter();

        var exit = await EvictCommand.RunAsync(Rig.Options(), stdout, json: false, terminal: false, default);

        var text = stdout.ToString();
        Assert.Equal(ExitCodes.Refused, exit);
        Assert.Contains("evict: failed: switchover: firecracker API PUT /snapshot/create: 400 Create snapshot error: Cannot write memory file: No space left on device (os error 28) (exit 1)", text, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', text);
        Assert.Equal("Running", Rig.Api.State);
    }

    [RootFact]
    public async Task An_api_socket_nobody_serves_is_exit_3()
    {
        using var stdout = new StringWriter();
        using var api = new Host.Vmm.Firecracker.FirecrackerApiClient(_directory.PathOf("absent.sock"));
        var options = Rig.Options() with { Vmm = new Host.Vmm.Firecracker.FirecrackerVm(api, _directory.PathOf("m"), _directory.PathOf("s"), Rig.Layout) };

        var exit = await EvictCommand.RunAsync(options, stdout, json: false, terminal: false, default);

        Assert.Equal(ExitCodes.Unavailable, exit);
        Assert.Contains("cannot reach", stdout.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evict_without_a_secret_is_a_usage_error_before_anything_is_touched()
    {
        var root = new System.CommandLine.RootCommand("test");
        root.Subcommands.Add(EvictCommand.Create());
        Environment.SetEnvironmentVariable(Host.Transfer.TransferSecret.EnvironmentVariable, null);

        var exit = await root.Parse(["evict", "--api-socket", _directory.PathOf("api.sock"), "--memory-file", _directory.PathOf("m"), "--listen", "unix:" + _directory.PathOf("p.sock")]).InvokeAsync();

        Assert.Equal(ExitCodes.Usage, exit);
        Assert.False(File.Exists(_directory.PathOf("m")));
    }

    private static async Task<Host.EvictionSession.EvictionResult> SessionResultOf(Task<int> evict)
    {
        await evict;
        return null!;
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; i < 600 && !condition(); i++)
        {
            await Task.Delay(50);
        }
        Assert.True(condition(), "timed out waiting");
    }
}
