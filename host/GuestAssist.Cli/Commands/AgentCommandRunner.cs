using GuestAssist.Host.Agent;
using GuestAssist.Linux.Transports;
using GuestAssist.Protocol.Connections;
using GuestAssist.Protocol.Framing;

namespace GuestAssist.Cli.Commands;

/// <summary>Connects, runs one agent command, and turns every expected failure into a one-line message and an exit code.</summary>
internal static class AgentCommandRunner
{
    public static async Task<int> RunAsync(string connect, TextWriter stderr, Func<AgentClient, Task<int>> action, CancellationToken cancellationToken)
    {
        TransportAddress address;
        try
        {
            address = TransportAddress.Parse(connect);
        }
        catch (TransportAddressFormatException ex)
        {
            await stderr.WriteLineAsync($"agent: {ex.Message}").ConfigureAwait(false);
            return AgentCommand.ExitUsage;
        }
        try
        {
            await using var client = await AgentClient.ConnectAsync(address, cancellationToken: cancellationToken).ConfigureAwait(false);
            return await action(client).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TransportException or ProtocolException or RemoteErrorException or ProtocolConnectionClosedException or TimeoutException or IOException)
        {
            await stderr.WriteLineAsync($"agent {address}: {ProtocolErrorMapper.ChainedMessage(ex)}").ConfigureAwait(false);
            return AgentCommand.ExitFailed;
        }
    }
}
