using System.CommandLine;
using GuestAssist.Agent.Bench;

namespace GuestAssist.Agent.Commands;

/// <summary>`guestassist-agent bench-throttle` and the two children it starts (hidden).</summary>
internal static class BenchThrottleCommand
{
    public static IEnumerable<Command> Create()
    {
        var budget = new Option<double>("--budget-mib") { Description = "Dirty budget, MiB/s.", DefaultValueFactory = _ => 100 };
        var method = new Option<string>("--method") { Description = "What holds the rogue: sigstop, cgroup-cpu or cgroup-freeze.", DefaultValueFactory = _ => "sigstop" };
        method.AcceptOnlyFromAmong("sigstop", "cgroup-cpu", "cgroup-freeze");
        var bench = new Command("bench-throttle", "Throttle a rogue writer beside a CPU-bound neighbour on this machine and print the ratios.");
        bench.Options.Add(budget);
        bench.Options.Add(method);
        bench.SetAction(parse => ThrottleBenchmark.Run(parse.GetValue(budget), parse.GetValue(method)!, Console.Out));
        yield return bench;

        var socket = new Option<string>("--socket") { Required = true };
        var mib = new Option<ulong>("--mib") { DefaultValueFactory = _ => 1024 };
        var rogue = new Command("bench-rogue", "The benchmark's rogue writer.") { Hidden = true };
        rogue.Options.Add(socket);
        rogue.Options.Add(mib);
        rogue.SetAction(parse => BenchRogue.Run(parse.GetValue(socket)!, parse.GetValue(mib)));
        yield return rogue;

        var neighbour = new Command("bench-neighbour", "The benchmark's CPU-bound neighbour.") { Hidden = true };
        neighbour.SetAction(_ => BenchNeighbour.Run());
        yield return neighbour;
    }
}
