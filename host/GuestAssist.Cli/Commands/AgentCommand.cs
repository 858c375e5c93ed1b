using System.CommandLine;

namespace GuestAssist.Cli.Commands;

/// <summary>`guestassist agent ...`: talk to a guest agent.</summary>
internal static class AgentCommand
{
    public static Command Create()
    {
        var command = new Command("agent", "Query a GuestAssist guest agent.");
        command.Subcommands.Add(AgentStatusCommand.Create());
        command.Subcommands.Add(AgentMapCommand.Create());
        command.Subcommands.Add(AgentThrottleCommand.Create());
        return command;
    }

    public static Option<string> ConnectOption() => new("--connect")
    {
        Description = "Agent address: vsock:CID:PORT, hybrid:/uds_path:PORT, unix:/path, tcp:127.0.0.1:PORT, serial:/dev/...",
        Required = true,
    };
}
