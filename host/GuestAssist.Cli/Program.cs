using System.CommandLine;
using GuestAssist.Cli.Commands;

var root = new RootCommand("guestassist: GuestAssist host tooling (enlightened post-copy migration)");
root.Subcommands.Add(UffdHandlerCommand.Create());
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
