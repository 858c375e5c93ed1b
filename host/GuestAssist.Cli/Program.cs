using System.CommandLine;

var root = new RootCommand("guestassist: GuestAssist host tooling (enlightened post-copy migration)");
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
