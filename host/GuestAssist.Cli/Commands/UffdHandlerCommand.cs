using System.CommandLine;
using GuestAssist.Host.Destination;
using GuestAssist.Host.Firecracker;

namespace GuestAssist.Cli.Commands;

/// <summary>
/// <c>guestassist uffd-handler --socket PATH (--memory-file FILE | --source ADDR)</c>: Firecracker's UFFD
/// page-fault handler. Serves one VMM until it exits.
/// </summary>
internal static class UffdHandlerCommand
{
    /// <summary>
    /// The seam for the post-copy engine: given the fault server of a VMM and the PageServer address, returns
    /// the remote page source (the server's requester, transfer started). Null until the engine registers itself.
    /// </summary>
    internal static Func<FaultServer, string, IPageRequester>? RemoteSourceFactory { get; set; } =
        (server, address) => GuestAssist.Host.Engine.RemotePageSource.Connect(server, address);

    public static Command Create()
    {
        var socket = new Option<string>("--socket") { Description = "Unix socket path Firecracker connects to (mem_backend.backend_path)", Required = true };
        var memoryFile = new Option<FileInfo?>("--memory-file") { Description = "Serve pages from this memory file (snapshot memory, the regions concatenated)" };
        var source = new Option<string?>("--source") { Description = "Serve pages from a remote GuestAssist page server at this address" };
        var timeout = new Option<int>("--handshake-timeout") { Description = "Seconds to wait for the VMM's handshake", DefaultValueFactory = _ => 10 };
        var command = new Command("uffd-handler", "Firecracker UFFD page-fault handler: serve a restored VM's memory on demand");
        command.Options.Add(socket);
        command.Options.Add(memoryFile);
        command.Options.Add(source);
        command.Options.Add(timeout);
        command.SetAction((parseResult, cancellationToken) => RunAsync(
            parseResult.GetValue(socket)!,
            parseResult.GetValue(memoryFile),
            parseResult.GetValue(source),
            TimeSpan.FromSeconds(parseResult.GetValue(timeout)),
            cancellationToken));
        return command;
    }

    internal static async Task<int> RunAsync(string socketPath, FileInfo? memoryFile, string? source, TimeSpan handshakeTimeout, CancellationToken cancellationToken)
    {
        if ((memoryFile is null) == (source is null))
        {
            await Console.Error.WriteLineAsync("uffd-handler: give exactly one of --memory-file FILE or --source ADDR").ConfigureAwait(false);
            return 2;
        }
        PageSourceFactory factory;
        ulong? fileBytes = null;
        if (memoryFile is not null)
        {
            if (!memoryFile.Exists)
            {
                await Console.Error.WriteLineAsync($"uffd-handler: memory file {memoryFile.FullName} does not exist").ConfigureAwait(false);
                return 2;
            }
            fileBytes = (ulong)memoryFile.Length;
            factory = server => MemoryFilePageSource.OpenFor(server, memoryFile.FullName);
        }
        else if (RemoteSourceFactory is { } remote)
        {
            factory = server => remote(server, source!);
        }
        else
        {
            await Console.Error.WriteLineAsync("uffd-handler: --source is not available in this build (the remote page source comes with the post-copy engine); use --memory-file").ConfigureAwait(false);
            return 2;
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
            return 1;
        }
        catch (OperationCanceledException)
        {
            return 130;
        }
    }
}
