using System.CommandLine;

var root = new RootCommand("guestassist: GuestAssist host tooling (enlightened post-copy migration)");
root.Subcommands.Add(GuestAssist.Cli.Commands.MigrateDemoCommand.Create());
root.Subcommands.Add(GuestAssist.Cli.Commands.PageServerCommand.Create());
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
