using System.Text.Json;
using GuestAssist.Cli.Commands;
using GuestAssist.Cli.Commands.Json;
using GuestAssist.Host.Agent;
using GuestAssist.Protocol.Handshake;
using GuestAssist.Protocol.PageMaps;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Cli.Tests.Commands;

/// <summary>Every `--json` document: one naming style, snake_case, and the values it summarises.</summary>
public class JsonOutputTests
{
    private static AgentMemoryMap SampleMap()
    {
        var builder = new PageClassMapBuilder(withHeat: true);
        builder.Append(10, PageClass.Kernel, heat: 3);
        builder.Append(30, PageClass.Free);
        builder.Append(24, PageClass.Hot, heat: 255);
        return new AgentMemoryMap(builder.Build(new MapEpoch { Sequence = 7, GuestMonotonicNs = 99 }, 4096), 0, HeatMethod.SoftDirty, 1, 12);
    }

    private static AgentStatus SampleStatus()
    {
        var status = new AgentStatus { Software = "guestassist-agent/0.1.0", UptimeNs = 5, GuestMonotonicNs = 6, PageSize = 4096, RamFrames = 64, ThrottledProcesses = 1 };
        status.Capabilities.Add(Capabilities.MemoryMapV1);
        status.Degraded.Add("no idle page tracking");
        status.Throttle = new ThrottleStatus();
        status.Throttle.Processes.Add(new ThrottledProcess { Pid = 42, Command = "rogue", Duty = 0.5, DirtyBytesPerSecond = 1e8 });
        return status;
    }

    private static JsonElement Serialize<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, bool indented = true)
    {
        using var stream = new MemoryStream();
        JsonOutput.Write(stream, value, type, indented);
        Assert.Equal((byte)'\n', stream.ToArray()[^1]);
        return JsonDocument.Parse(stream.ToArray()).RootElement.Clone();
    }

    public static TheoryData<string> Documents() => ["status", "map", "throttle", "uffd-handler", "page-server"];

    [Theory]
    [MemberData(nameof(Documents))]
    public void Every_property_is_snake_case(string document)
    {
        var json = document switch
        {
            "status" => Serialize(AgentStatusCommand.ToJson("unix:/a.sock", 1, [Capabilities.MemoryMapV1], SampleStatus()), CliJsonContext.Default.AgentStatusJson),
            "map" => Serialize(AgentMapCommand.ToJson(SampleMap()), CliJsonContext.Default.MapSummaryJson),
            "throttle" => Serialize(new ThrottleEventJson("status", 3, Throttled: AgentStatusCommand.Throttled(SampleStatus().Throttle)), CliJsonContext.Default.ThrottleEventJson, indented: false),
            "uffd-handler" => Serialize(new UffdHandlerSummaryJson(1, 2, 3, 4, 5, 6, 7, 8, "p50 1 us"), CliJsonContext.Default.UffdHandlerSummaryJson),
            _ => Serialize(PageServerStatsJson.From(new Host.Source.PageServerStatistics(1, 2, 3, 4, 5, 6, 7, 8, new long[9], new long[9])), CliJsonContext.Default.PageServerStatsJson),
        };

        var names = PropertyNames(json).ToList();
        Assert.NotEmpty(names);
        // Class names are the keys of "classes": single lower-case words, like every property name.
        Assert.All(names, name => Assert.Matches("^[a-z][a-z0-9_]*$", name));
    }

    [Fact]
    public void Status_json_carries_the_status_and_the_throttled_processes()
    {
        var json = Serialize(AgentStatusCommand.ToJson("unix:/a.sock", 1, [Capabilities.MemoryMapV1], SampleStatus()), CliJsonContext.Default.AgentStatusJson);

        Assert.Equal("guestassist-agent/0.1.0", json.GetProperty("software").GetString());
        Assert.Equal(1u, json.GetProperty("protocol_version").GetUInt32());
        Assert.Equal(64ul, json.GetProperty("ram_frames").GetUInt64());
        Assert.Equal(["no idle page tracking"], json.GetProperty("degraded").EnumerateArray().Select(e => e.GetString()));
        var throttled = Assert.Single(json.GetProperty("throttled").EnumerateArray());
        Assert.Equal(42, throttled.GetProperty("pid").GetInt32());
        Assert.Equal(1e8, throttled.GetProperty("dirty_bytes_per_second").GetDouble());
    }

    [Fact]
    public void Map_json_adds_up_and_names_the_heat_method()
    {
        var json = Serialize(AgentMapCommand.ToJson(SampleMap()), CliJsonContext.Default.MapSummaryJson);

        Assert.Equal(64ul, json.GetProperty("total_frames").GetUInt64());
        Assert.Equal("soft-dirty", json.GetProperty("heat_method").GetString());
        Assert.Equal(64ul, json.GetProperty("classes").EnumerateObject().Aggregate(0ul, (sum, c) => sum + c.Value.GetProperty("frames").GetUInt64()));
        Assert.Equal(24ul, json.GetProperty("classes").GetProperty("hot").GetProperty("frames").GetUInt64());
    }

    [Fact]
    public void Throttle_lines_leave_out_what_an_event_does_not_have()
    {
        var json = Serialize(new ThrottleEventJson("ended", 3, ReleasedProcesses: 2), CliJsonContext.Default.ThrottleEventJson, indented: false);

        Assert.Equal(["event", "session_id", "released_processes"], json.EnumerateObject().Select(p => p.Name));
    }

    private static IEnumerable<string> PropertyNames(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p => PropertyNames(p.Value).Prepend(p.Name)),
        JsonValueKind.Array => element.EnumerateArray().SelectMany(PropertyNames),
        _ => [],
    };
}
