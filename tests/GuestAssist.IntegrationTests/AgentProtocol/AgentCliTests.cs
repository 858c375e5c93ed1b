using System.CommandLine;
using System.Text.Json;
using GuestAssist.Cli.Commands;
using GuestAssist.Host.Agent;
using GuestAssist.IntegrationTests.AgentProtocol.Support;
using GuestAssist.Protocol.V1;

namespace GuestAssist.IntegrationTests.AgentProtocol;

/// <summary>`guestassist agent status|map` against a running agent.</summary>
public sealed class AgentCliTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Map_writes_chunks_that_read_back_into_the_same_map_and_json_that_adds_up()
    {
        var source = new FixtureMapSource(runs: 2_000);
        await using var agent = await RunningAgent.StartOnUnixAsync(_directory, source);
        var file = _directory.PathOf("map.bin");

        var exit = await Invoke("agent", "map", "--connect", agent.Address.ToString(), "--heat", "--owners", "--out", file);

        Assert.Equal(GuestAssist.Cli.ExitCodes.Ok, exit);
        var contents = GuestAssist.Protocol.MapFiles.MapFile.Read(file);
        var readBack = contents.Map;
        Assert.NotNull(contents.RequestedAtMonotonicNs);
        Assert.Equal(source.LastMap!.Runs.ToArray(), readBack.Runs.ToArray());
        Assert.Equal(source.LastMap.RunOwner, readBack.RunOwner);

        await using var client = await agent.ConnectAsync();
        var fetched = await client.GetMemoryMapAsync(true, false);
        using var json = new MemoryStream();
        AgentMapCommand.WriteJson(json, fetched);
        using var document = JsonDocument.Parse(json.ToArray());
        var root = document.RootElement;
        Assert.Equal(fetched.Map.TotalFrames, root.GetProperty("total_frames").GetUInt64());
        Assert.Equal("lru-flags", root.GetProperty("heat_method").GetString());
        Assert.Equal(fetched.Map.RunCount, root.GetProperty("runs").GetInt32());
        var perClass = root.GetProperty("classes").EnumerateObject().Sum(c => (long)c.Value.GetProperty("frames").GetUInt64());
        Assert.Equal((long)fetched.Map.TotalFrames, perClass);
        Assert.Equal(fetched.Map.CountOf(PageClass.Hot), root.GetProperty("classes").GetProperty("hot").GetProperty("frames").GetUInt64());
    }

    [Fact]
    public async Task Status_succeeds_against_an_agent_and_fails_cleanly_otherwise()
    {
        await using var agent = await RunningAgent.StartOnUnixAsync(_directory, new FixtureMapSource(runs: 10));

        Assert.Equal(GuestAssist.Cli.ExitCodes.Ok, await Invoke("agent", "status", "--connect", agent.Address.ToString()));
        Assert.Equal(GuestAssist.Cli.ExitCodes.Usage, await Invoke("agent", "status", "--connect", "carrier-pigeon:1"));
        Assert.Equal(GuestAssist.Cli.ExitCodes.Unavailable, await Invoke("agent", "status", "--connect", $"unix:{_directory.PathOf("nobody.sock")}"));
    }

    [Fact]
    public async Task Map_render_names_every_class_epoch_and_heat_method()
    {
        await using var agent = await RunningAgent.StartOnUnixAsync(_directory, new FixtureMapSource(runs: 50));
        await using var client = await AgentClient.ConnectAsync(agent.Address);
        var fetched = await client.GetMemoryMapAsync(true, false);
        var console = Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings
        {
            Out = new Spectre.Console.AnsiConsoleOutput(new StringWriter()),
            ColorSystem = Spectre.Console.ColorSystemSupport.NoColors,
        });
        console.Profile.Width = 200;
        var writer = (StringWriter)console.Profile.Out.Writer;

        AgentMapCommand.Render(console, client.Peer, fetched);

        var text = writer.ToString();
        foreach (var name in new[] { "kernel", "hot", "active", "inactive", "cache", "free", "unbacked", "total", "heat lru-flags", $"epoch {fetched.Map.Epoch.Sequence}" })
        {
            Assert.Contains(name, text, StringComparison.Ordinal);
        }
    }

    private static Task<int> Invoke(params string[] args)
    {
        var root = new RootCommand("test");
        root.Subcommands.Add(AgentCommand.Create());
        return root.Parse(args).InvokeAsync();
    }
}
