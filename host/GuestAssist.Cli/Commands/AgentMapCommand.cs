using System.CommandLine;
using System.Globalization;
using GuestAssist.Cli.Commands.Json;
using GuestAssist.Host.Agent;
using GuestAssist.Host.DirtyLog;
using GuestAssist.Protocol.MapFiles;
using GuestAssist.Protocol.V1;
using Spectre.Console;

namespace GuestAssist.Cli.Commands;

/// <summary>`guestassist agent map --connect ADDR [--out FILE] [--json]`: fetch a class map and summarise it.</summary>
internal static class AgentMapCommand
{
    private static readonly PageClass[] Classes =
    [
        PageClass.Kernel, PageClass.Hot, PageClass.Active, PageClass.Inactive, PageClass.Cache, PageClass.Unproven, PageClass.Free, PageClass.Unbacked,
    ];

    public static Command Create()
    {
        var connect = AgentCommand.ConnectOption();
        var output = new Option<string?>("--out") { Description = "Write the map as length-delimited MemoryMapChunk messages to FILE." };
        var json = new Option<bool>("--json") { Description = "Print the summary as JSON (snake_case)." };
        var heat = new Option<bool>("--heat") { Description = "Ask for per-run heat." };
        var owners = new Option<bool>("--owners") { Description = "Ask for per-run owning processes." };
        var command = new Command("map", "Fetch the agent's page-class map and print frames per class.");
        foreach (var option in new Option[] { connect, output, json, heat, owners })
        {
            command.Options.Add(option);
        }
        command.SetAction((parseResult, cancellationToken) =>
            AgentCommandRunner.RunAsync(parseResult.GetValue(connect)!, Console.Error, async client =>
            {
                var fetched = await client.GetMemoryMapAsync(parseResult.GetValue(heat), parseResult.GetValue(owners), cancellationToken: cancellationToken).ConfigureAwait(false);
                if (parseResult.GetValue(output) is { } file)
                {
                    var chunks = MapFile.Write(file, fetched.Map, new MapFileOptions { RequestedAtMonotonicNs = HostClock.ToMonotonicNs(fetched.RequestedAt), HeatMethod = fetched.HeatMethod });
                    await Console.Error.WriteLineAsync($"map: {fetched.Map.RunCount} runs in {chunks} chunks written to {file}").ConfigureAwait(false);
                }
                if (parseResult.GetValue(json))
                {
                    WriteJson(Console.Out, fetched);
                }
                else
                {
                    Render(TerminalConsole.ForStandardOutput(), client.Peer, fetched);
                }
                return ExitCodes.Ok;
            }, cancellationToken));
        return command;
    }

    internal static void Render(IAnsiConsole console, string peer, AgentMemoryMap fetched)
    {
        var map = fetched.Map;
        var table = new Table()
            .Title($"map {map.Epoch.Sequence} from {Markup.Escape(peer)}")
            .AddColumn("class")
            .AddColumn(new TableColumn("frames").RightAligned())
            .AddColumn(new TableColumn("MiB").RightAligned())
            .AddColumn(new TableColumn("%").RightAligned());
        foreach (var pageClass in Classes)
        {
            var frames = map.CountOf(pageClass);
            table.AddRow(
                Name(pageClass),
                frames.ToString("N0", CultureInfo.InvariantCulture),
                AgentStatusCommand.Mib(frames, map.PageSize).ToString("F1", CultureInfo.InvariantCulture),
                Percent(frames, map.TotalFrames).ToString("F1", CultureInfo.InvariantCulture));
        }
        table.AddRow(
            "total",
            map.TotalFrames.ToString("N0", CultureInfo.InvariantCulture),
            AgentStatusCommand.Mib(map.TotalFrames, map.PageSize).ToString("F1", CultureInfo.InvariantCulture),
            "100.0");
        table.Caption(Markup.Escape(string.Create(
            CultureInfo.InvariantCulture,
            $"{map.RunCount:N0} runs, {fetched.EncodedBytes:N0} encoded bytes in {fetched.ChunkCount} chunks, epoch {map.Epoch.Sequence} @ guest {map.Epoch.GuestMonotonicNs} ns, heat {HeatName(fetched.HeatMethod)}, {map.Owners.Count} owners")));
        console.Write(table);
    }

    internal static void WriteJson(Stream stream, AgentMemoryMap fetched) =>
        JsonOutput.Write(stream, ToJson(fetched), CliJsonContext.Default.MapSummaryJson);

    internal static void WriteJson(TextWriter output, AgentMemoryMap fetched) =>
        JsonOutput.Write(output, ToJson(fetched), CliJsonContext.Default.MapSummaryJson);

    internal static MapSummaryJson ToJson(AgentMemoryMap fetched)
    {
        var map = fetched.Map;
        var classes = new Dictionary<string, ClassFramesJson>(StringComparer.Ordinal);
        foreach (var pageClass in Classes)
        {
            var frames = map.CountOf(pageClass);
            classes[Name(pageClass)] = new ClassFramesJson(frames, Math.Round(AgentStatusCommand.Mib(frames, map.PageSize), 3));
        }
        return new MapSummaryJson(
            map.Epoch.Sequence, map.Epoch.GuestMonotonicNs, map.PageSize, map.TotalFrames, map.RunCount, fetched.ChunkCount,
            fetched.EncodedBytes, HeatName(fetched.HeatMethod), map.Owners.Count, classes);
    }

    internal static string Name(PageClass pageClass) => pageClass.ToString().ToLowerInvariant();

    internal static string HeatName(HeatMethod method) => method switch
    {
        HeatMethod.IdleTracking => "idle-tracking",
        HeatMethod.LruFlags => "lru-flags",
        HeatMethod.LruFlagsMglru => "lru-flags-mglru",
        HeatMethod.DamonPaddr => "damon-paddr",
        HeatMethod.Damon => "damon",
        HeatMethod.SoftDirty => "soft-dirty",
        HeatMethod.None => "none",
        _ => "unspecified",
    };

    private static double Percent(ulong part, ulong total) => total == 0 ? 0 : 100.0 * part / total;
}
