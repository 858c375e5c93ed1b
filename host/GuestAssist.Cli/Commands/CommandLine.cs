using System.CommandLine;
using GuestAssist.Protocol.Connections;

namespace GuestAssist.Cli.Commands;

/// <summary>
/// Runs the command line with the conventions of both binaries: a usage error is one line and exit 2 (not
/// System.CommandLine's 1), and whatever a command did not expect is one line and exit 4, never a stack trace.
/// </summary>
internal static class CommandLine
{
    public const string ExitCodesHelp =
        "Exit codes: 0 done; 1 refused; 2 usage or configuration error; 3 unavailable (a peer, file or kernel facility is missing); 4 failed part-way; 130 cancelled.";

    public static async Task<int> RunAsync(string name, RootCommand root, string[] args, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(stderr);
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            await stderr.WriteLineAsync($"{name}: {parsed.Errors[0].Message} (see {name} --help)").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return ExitCodes.Cancelled;
        }
        catch (Exception ex)
        {
            await stderr.WriteLineAsync($"{name}: failed: {ProtocolErrorMapper.ChainedMessage(ex)}").ConfigureAwait(false);
            return ExitCodes.Failed;
        }
    }
}
