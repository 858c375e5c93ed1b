using System.CommandLine;
using GuestAssist.Agent.Scan;

namespace GuestAssist.Agent.Commands;

/// <summary>`guestassist-agent scan`: classify every guest frame and print the result.</summary>
internal static class ScanCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print the scan as JSON." };
        var byProcess = new Option<bool>("--by-process") { Description = "Attribute frames to processes and list them by frames." };
        var top = new Option<int>("--top") { Description = "How many processes to list.", DefaultValueFactory = _ => 20 };
        var pids = new Option<int[]>("--pid") { Description = "Attribute only these processes (repeatable).", AllowMultipleArgumentsPerToken = true };
        var service = new Option<string?>("--service") { Description = "Attribute only this service's processes (command name or cgroup path segment, e.g. nginx.service)." };
        var map = new Option<string?>("--map") { Description = "Write the encoded class map (length-delimited MemoryMapChunk messages) to FILE." };
        var bench = new Option<bool>("--bench") { Description = "Time a raw read of kpageflags+kpagecount against scan+classify." };
        var rounds = new Option<int>("--rounds") { Description = "Benchmark rounds.", DefaultValueFactory = _ => 5 };
        var window = new Option<double>("--window") { Description = "Working-set window in seconds (every heat method but lru).", DefaultValueFactory = _ => 2.0 };
        var heat = new Option<string>("--heat")
        {
            Description = "Access monitor: auto (DAMON, idle tracking, soft-dirty, then LRU flags), damon, idle, soft-dirty, lru.",
            DefaultValueFactory = _ => GuestAssist.Guest.Heat.HeatMonitorSelector.Auto,
        };
        heat.AcceptOnlyFromAmong([.. GuestAssist.Guest.Heat.HeatMonitorSelector.Names]);
        var procRoot = new Option<string>("--proc-root") { Description = "Where procfs is mounted.", DefaultValueFactory = _ => "/proc", Hidden = true };
        var sysRoot = new Option<string>("--sys-root") { Description = "Where sysfs is mounted.", DefaultValueFactory = _ => "/sys", Hidden = true };

        var command = new Command("scan", "Classify every page frame of this machine and print a table (or JSON).");
        foreach (var option in new Option[] { json, byProcess, top, pids, service, map, bench, rounds, window, heat, procRoot, sysRoot })
        {
            command.Options.Add(option);
        }
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var options = new ScanOptions
            {
                Json = parseResult.GetValue(json),
                ByProcess = parseResult.GetValue(byProcess),
                Top = parseResult.GetValue(top),
                Pids = parseResult.GetValue(pids) ?? [],
                Service = parseResult.GetValue(service),
                MapFile = parseResult.GetValue(map),
                Bench = parseResult.GetValue(bench),
                Rounds = parseResult.GetValue(rounds),
                Window = TimeSpan.FromSeconds(parseResult.GetValue(window)),
                Heat = parseResult.GetValue(heat) ?? GuestAssist.Guest.Heat.HeatMonitorSelector.Auto,
                ProcRoot = parseResult.GetValue(procRoot) ?? "/proc",
                SysRoot = parseResult.GetValue(sysRoot) ?? "/sys",
            };
            using var stdout = Console.OpenStandardOutput();
            return await ScanRunner.RunAsync(options, stdout, TerminalConsole.ForStandardOutput(), Console.Error, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }
}
