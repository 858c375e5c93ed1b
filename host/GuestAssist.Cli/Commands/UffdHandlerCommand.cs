using System.CommandLine;
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
    /// <summary>Exit code: the handshake was refused (malformed, misaligned, no uffd, timed out); the VMM was killed.</summary>
    internal const int ExitHandshakeRefused = 1;

    /// <summary>Exit code: usage error (options, missing memory file).</summary>
    internal const int ExitUsage = 2;

    /// <summary>Exit code: the memory file or page server cannot serve the VMM's layout (absent, other geometry); the VMM was killed.</summary>
    internal const int ExitPageSourceUnavailable = 3;

    /// <summary>Exit code: serving failed after the handshake (e.g. the page server stayed down past the outage deadline); the VMM was killed.</summary>
    internal const int ExitServingFailed = 4;

    /// <summary>
    /// The seam for the post-copy engine: given the fault server of a VMM and the PageServer address, returns
    /// the remote page source (the server's requester, transfer started). Null until the engine registers itself.
    /// </summary>
    internal static Func<FaultServer, string, GuestAssist.Host.Engine.PostCopyClientOptions, IPageRequester>? RemoteSourceFactory { get; set; } =
        (server, address, options) => GuestAssist.Host.Engine.RemotePageSource.Connect(server, address, options);

    public static Command Create()
    {
        var socket = new Option<string>("--socket") { Description = "Unix socket path Firecracker connects to (mem_backend.backend_path)", Required = true };
        var memoryFile = new Option<FileInfo?>("--memory-file") { Description = "Serve pages from this memory file (snapshot memory, the regions concatenated)" };
        var source = new Option<string?>("--source") { Description = "Serve pages from a remote GuestAssist page server at this address" };
        var timeout = new Option<int>("--handshake-timeout") { Description = "Seconds to wait for the VMM's handshake", DefaultValueFactory = _ => 10 };
        var secretFile = TransferSecretOptions.FileOption();
        var tlsRoots = new Option<FileInfo?>("--tls-ca") { Description = "Speak TLS to the page server and trust its certificate only if it chains to a root in this PEM file" };
        var command = new Command("uffd-handler", "Firecracker UFFD page-fault handler: serve a restored VM's memory on demand");
        command.Options.Add(socket);
        command.Options.Add(memoryFile);
        command.Options.Add(source);
        command.Options.Add(timeout);
        command.Options.Add(secretFile);
        command.Options.Add(tlsRoots);
        command.SetAction((parseResult, cancellationToken) => RunAsync(
            parseResult.GetValue(socket)!,
            parseResult.GetValue(memoryFile),
            parseResult.GetValue(source),
            TimeSpan.FromSeconds(parseResult.GetValue(timeout)),
            cancellationToken,
            parseResult.GetValue(secretFile),
            parseResult.GetValue(tlsRoots)));
        return command;
    }

    internal static async Task<int> RunAsync(string socketPath, FileInfo? memoryFile, string? source, TimeSpan handshakeTimeout, CancellationToken cancellationToken, FileInfo? secretFile = null, FileInfo? tlsRoots = null)
    {
        if ((memoryFile is null) == (source is null))
        {
            await Console.Error.WriteLineAsync("uffd-handler: give exactly one of --memory-file FILE or --source ADDR").ConfigureAwait(false);
            return ExitUsage;
        }
        PageSourceFactory factory;
        ulong? fileBytes = null;
        if (memoryFile is not null)
        {
            if (!memoryFile.Exists)
            {
                await Console.Error.WriteLineAsync($"uffd-handler: memory file {memoryFile.FullName} does not exist").ConfigureAwait(false);
                return ExitUsage;
            }
            fileBytes = (ulong)memoryFile.Length;
            factory = server => MemoryFilePageSource.OpenFor(server, memoryFile.FullName);
        }
        else if (RemoteSourceFactory is { } remote)
        {
            GuestAssist.Host.Engine.PostCopyClientOptions options;
            try
            {
                options = new GuestAssist.Host.Engine.PostCopyClientOptions
                {
                    Secret = TransferSecretOptions.Resolve(secretFile),
                    Tls = tlsRoots is null ? null : GuestAssist.Host.Transfer.TransferTls.ClientFromPemFile(tlsRoots.FullName),
                };
            }
            catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync($"uffd-handler: {e.Message}").ConfigureAwait(false);
                return ExitUsage;
            }
            factory = server => remote(server, source!, options);
        }
        else
        {
            await Console.Error.WriteLineAsync("uffd-handler: --source is not available in this build (the remote page source comes with the post-copy engine); use --memory-file").ConfigureAwait(false);
            return ExitUsage;
        }

        using var handler = new FirecrackerUffdHandler(socketPath) { HandshakeTimeout = handshakeTimeout };
        Console.WriteLine($"uffd-handler: listening on {socketPath}");
        try
        {
            var summary = await handler.ServeOneAsync(fileBytes, factory, cancellationToken).ConfigureAwait(false);
            var stats = summary.Statistics;
            Console.WriteLine($"uffd-handler: VMM pid {summary.VmmProcessId} done ({summary.Regions} regions, {summary.MemoryBytes >> 20} MiB)");
            Console.WriteLine($"faults {stats.Faults}, pages installed {stats.PagesInstalled}, zero pages {stats.PagesZeroed}, remove events {stats.RemoveEvents}, already present {stats.AlreadyPresent}");
            Console.WriteLine($"blocktime: {summary.Blocktime}");
            return 0;
        }
        catch (FirecrackerHandshakeException e)
        {
            await Console.Error.WriteLineAsync($"uffd-handler: {e.Message}").ConfigureAwait(false);
            return e.Failure == HandshakeFailure.PageSourceUnavailable ? ExitPageSourceUnavailable : ExitHandshakeRefused;
        }
        catch (OperationCanceledException)
        {
            return 130;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ArgumentException or GuestAssist.Host.Layout.LayoutException or GuestAssist.Host.Transfer.TransferProtocolException)
        {
            // The fault server failed while serving; the VMM was killed rather than left hung.
            await Console.Error.WriteLineAsync($"uffd-handler: serving the VMM failed, VMM killed: {e.Message}").ConfigureAwait(false);
            return ExitServingFailed;
        }
    }
}
