using System.CommandLine;
using GuestAssist.Cli.Commands.Json;
using GuestAssist.Host.Destination;
using GuestAssist.Host.Firecracker;

namespace GuestAssist.Cli.Commands;

/// <summary>
/// <c>guestassist uffd-handler --socket PATH (--memory-file FILE | --source ADDR)</c>: Firecracker's UFFD
/// page-fault handler. Serves one VMM until it exits (watched by a pidfd: closing the socket is not exiting). Exit codes:
/// 0 served, 1 handshake refused, 2 usage, 3 page source unavailable, 4 serving failed (1, 3, 4 kill the VMM), 130 cancelled.
/// </summary>
internal static class UffdHandlerCommand
{
    /// <summary>
    /// The seam for the post-copy engine: given the fault server of a VMM and the PageServer address, returns
    /// the remote page source (the server's requester, transfer started). Null until the engine registers itself.
    /// </summary>
    internal static Func<FaultServer, string, GuestAssist.Host.Destination.PostCopyClientOptions, IPageRequester>? RemoteSourceFactory { get; set; } =
        (server, address, options) => GuestAssist.Host.Destination.PostCopyClient.Connect(server, address, options);

    public static Command Create()
    {
        var socket = new Option<string>("--socket") { Description = "Unix socket path Firecracker connects to (mem_backend.backend_path)", Required = true };
        var memoryFile = new Option<FileInfo?>("--memory-file") { Description = "Serve pages from this memory file (snapshot memory, the regions concatenated)" };
        var source = new Option<string?>("--source") { Description = "Serve pages from a remote GuestAssist page server at this address" };
        var timeout = new Option<int>("--handshake-timeout") { Description = "Seconds to wait for the VMM's handshake", DefaultValueFactory = _ => 10 };
        var secretFile = TransferSecretOptions.FileOption();
        var tlsRoots = new Option<FileInfo?>("--tls-ca") { Description = "Speak TLS to the page server and trust its certificate only if it chains to a root in this PEM file" };
        var json = new Option<bool>("--json") { Description = "Print the summary (VMM, fault statistics) as JSON (snake_case) when the VMM is done" };
        var command = new Command("uffd-handler", "Firecracker UFFD page-fault handler: serve a restored VM's memory on demand");
        command.Options.Add(socket);
        command.Options.Add(memoryFile);
        command.Options.Add(source);
        command.Options.Add(timeout);
        command.Options.Add(secretFile);
        command.Options.Add(tlsRoots);
        command.Options.Add(json);
        command.SetAction((parseResult, cancellationToken) => RunAsync(
            parseResult.GetValue(socket)!,
            parseResult.GetValue(memoryFile),
            parseResult.GetValue(source),
            TimeSpan.FromSeconds(parseResult.GetValue(timeout)),
            cancellationToken,
            parseResult.GetValue(secretFile),
            parseResult.GetValue(tlsRoots),
            parseResult.GetValue(json)));
        return command;
    }

    internal static async Task<int> RunAsync(string socketPath, FileInfo? memoryFile, string? source, TimeSpan handshakeTimeout, CancellationToken cancellationToken, FileInfo? secretFile = null, FileInfo? tlsRoots = null, bool json = false)
    {
        if ((memoryFile is null) == (source is null))
        {
            await Console.Error.WriteLineAsync("uffd-handler: give exactly one of --memory-file FILE or --source ADDR").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        PageRequesterFactory factory;
        ulong? fileBytes = null;
        if (memoryFile is not null)
        {
            if (!memoryFile.Exists)
            {
                await Console.Error.WriteLineAsync($"uffd-handler: memory file {memoryFile.FullName} does not exist").ConfigureAwait(false);
                return ExitCodes.Usage;
            }
            fileBytes = (ulong)memoryFile.Length;
            factory = server => MemoryFileRequester.OpenFor(server, memoryFile.FullName);
        }
        else if (RemoteSourceFactory is { } remote)
        {
            GuestAssist.Host.Destination.PostCopyClientOptions options;
            try
            {
                // A bad address is a usage error now, not a refused VMM once one connects.
                _ = GuestAssist.Host.Transfer.TransferEndPoint.FromText(source!);
                options = new GuestAssist.Host.Destination.PostCopyClientOptions
                {
                    Secret = TransferSecretOptions.Resolve(secretFile),
                    Tls = tlsRoots is null ? null : GuestAssist.Host.Transfer.TransferTls.ClientFromPemFile(tlsRoots.FullName),
                };
            }
            catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException or FormatException)
            {
                await Console.Error.WriteLineAsync($"uffd-handler: {e.Message}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }
            factory = server => remote(server, source!, options);
        }
        else
        {
            await Console.Error.WriteLineAsync("uffd-handler: --source is not available in this build (the remote page source comes with the post-copy engine); use --memory-file").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        FirecrackerUffdHandler listening;
        try
        {
            listening = new FirecrackerUffdHandler(socketPath) { HandshakeTimeout = handshakeTimeout };
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or UnauthorizedAccessException)
        {
            // A missing directory, a path in use, no permission: the VMM cannot reach us; say where and why.
            await Console.Error.WriteLineAsync($"uffd-handler: cannot listen on {socketPath}: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Unavailable;
        }
        using var handler = listening;
        // With --json, stdout carries only the document: progress goes to stderr.
        var progress = json ? Console.Error : Console.Out;
        await progress.WriteLineAsync($"uffd-handler: listening on {socketPath}").ConfigureAwait(false);
        try
        {
            var summary = await handler.ServeOneAsync(fileBytes, factory, cancellationToken).ConfigureAwait(false);
            var stats = summary.Statistics;
            if (json)
            {
                JsonOutput.Write(Console.Out, new UffdHandlerSummaryJson(summary.VmmProcessId, summary.Regions, summary.MemoryBytes, stats.Faults, stats.PagesInstalled,
                    stats.PagesZeroed, stats.RemoveEvents, stats.AlreadyPresent, summary.Blocktime.ToString()!), CliJsonContext.Default.UffdHandlerSummaryJson);
                return ExitCodes.Ok;
            }
            Console.WriteLine($"uffd-handler: VMM pid {summary.VmmProcessId} done ({summary.Regions} regions, {summary.MemoryBytes >> 20} MiB)");
            Console.WriteLine($"faults {stats.Faults}, pages installed {stats.PagesInstalled}, zero pages {stats.PagesZeroed}, remove events {stats.RemoveEvents}, already present {stats.AlreadyPresent}");
            Console.WriteLine($"blocktime: {summary.Blocktime}");
            return ExitCodes.Ok;
        }
        catch (FirecrackerHandshakeException e)
        {
            await Console.Error.WriteLineAsync($"uffd-handler: {e.Message}").ConfigureAwait(false);
            return e.Failure == HandshakeFailure.PageSourceUnavailable ? ExitCodes.Unavailable : ExitCodes.Refused;
        }
        catch (OperationCanceledException)
        {
            return ExitCodes.Cancelled;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ArgumentException or GuestAssist.Host.Layout.LayoutException or GuestAssist.Host.Transfer.TransferProtocolException)
        {
            // The fault server failed while serving; the VMM was killed rather than left hung.
            await Console.Error.WriteLineAsync($"uffd-handler: serving the VMM failed, VMM killed: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failed;
        }
    }
}
