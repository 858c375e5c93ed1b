using System.CommandLine;
using GuestAssist.Agent.Commands;

var root = new RootCommand($"guestassist-agent: GuestAssist guest agent (memory enlightenment for fast VM eviction). {CommandLine.ExitCodesHelp}");
root.Subcommands.Add(ScanCommand.Create());
root.Subcommands.Add(ServeCommand.Create());
root.Subcommands.Add(SentinelCommand.Create());
foreach (var command in BenchThrottleCommand.Create())
{
    root.Subcommands.Add(command);
}
return await CommandLine.RunAsync("guestassist-agent", root, args, Console.Error).ConfigureAwait(false);
