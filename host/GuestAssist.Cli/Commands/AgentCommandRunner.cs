using GuestAssist.Host.Agent;
using GuestAssist.Linux.Transports;
using GuestAssist.Protocol.Connections;
using GuestAssist.Protocol.Framing;

namespace GuestAssist.Cli.Commands;

/// <summary>
/// Connects, runs one agent command, and turns every expected failure into a one-line message and an exit code
/// (<see cref="ExitCodes"/>): a bad address is usage, an agent that cannot be reached is unavailable, one that
/// refuses (handshake, a typed error reply) is refused, and a connection lost part-way is failed.
/// </summary>
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
            return ExitCodes.Usage;
        }
        AgentClient client;
        try
        {
            client = await AgentClient.ConnectAsync(address, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ProtocolException or RemoteErrorException)
        {
            await stderr.WriteLineAsync($"agent {address}: refused: {ProtocolErrorMapper.ChainedMessage(ex)}").ConfigureAwait(false);
            return ExitCodes.Refused;
        }
        catch (Exception ex) when (ex is TransportException or ProtocolConnectionClosedException or TimeoutException or IOException or System.Net.Sockets.SocketException)
        {
            await stderr.WriteLineAsync($"agent {address}: unavailable: {ProtocolErrorMapper.ChainedMessage(ex)}").ConfigureAwait(false);
            return ExitCodes.Unavailable;
        }
        catch (OperationCanceledException)
        {
            return ExitCodes.Cancelled;
        }
        await using (client.ConfigureAwait(false))
        {
            try
            {
                return await action(client).ConfigureAwait(false);
            }
            catch (RemoteErrorException ex)
            {
                await stderr.WriteLineAsync($"agent {address}: refused: {ProtocolErrorMapper.ChainedMessage(ex)}").ConfigureAwait(false);
                return ExitCodes.Refused;
            }
            catch (Exception ex) when (ex is TransportException or ProtocolException or ProtocolConnectionClosedException or TimeoutException or IOException)
            {
                await stderr.WriteLineAsync($"agent {address}: failed: {ProtocolErrorMapper.ChainedMessage(ex)}").ConfigureAwait(false);
                return ExitCodes.Failed;
            }
            catch (OperationCanceledException)
            {
                return ExitCodes.Cancelled;
            }
        }
    }
}
