using System.CommandLine;
using GuestAssist.Cli.Commands;

var root = new RootCommand($"guestassist: GuestAssist host tooling (enlightened post-copy migration). {CommandLine.ExitCodesHelp}");
root.Subcommands.Add(AgentCommand.Create());
root.Subcommands.Add(UffdHandlerCommand.Create());
root.Subcommands.Add(MigrateDemoCommand.Create());
root.Subcommands.Add(PageServerCommand.Create());
root.Subcommands.Add(GuestAssist.Cli.Evict.EvictCommand.Create());
return await CommandLine.RunAsync("guestassist", root, args, Console.Error).ConfigureAwait(false);
