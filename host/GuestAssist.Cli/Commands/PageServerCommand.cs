using System.CommandLine;
using System.Diagnostics;
using GuestAssist.Cli.Commands.Json;
using GuestAssist.Host.DirtyLog;
using GuestAssist.Host.DirtyLog.Files;
using GuestAssist.Host.Layout;
using GuestAssist.Host.Planning;
using GuestAssist.Host.Source;
using GuestAssist.Host.Transfer;
using GuestAssist.Linux.Transports;
using GuestAssist.Protocol.MapFiles;

namespace GuestAssist.Cli.Commands;

/// <summary>
/// `guestassist page-server`: serves a VM memory file (e.g. a Firecracker snapshot) to a post-copy destination
/// (`guestassist uffd-handler --source ADDR`), in the enlightened order when a class map is given.
/// </summary>
public static class PageServerCommand
{
    public static Command Create()
    {
        var memoryFile = new Option<FileInfo>("--memory-file") { Description = "VM memory file (regions concatenated, as Firecracker writes it)", Required = true };
        var map = new Option<FileInfo?>("--map") { Description = "guest class map: length-delimited MemoryMapChunk messages; without it: address order" };
        var dirtyLog = new Option<FileInfo?>("--dirty-log") { Description = "dirty log that proves free frames clean from the map's request to switchover: a GADIRTY1 bitmap file (KVM layout) or a Firecracker diff snapshot memory file with FILE.json beside it; without one free frames are sent (reorder only)" };
        var listen = new Option<string>("--listen") { Description = "unix:/path or tcp:host:port; default tcp:127.0.0.1:7410 (loopback only)", DefaultValueFactory = _ => "tcp:127.0.0.1:7410" };
        var secretFile = TransferSecretOptions.FileOption();
        var tlsCertificate = new Option<FileInfo?>("--tls-cert") { Description = "Serve over TLS with this PEM certificate (chain); needs --tls-key" };
        var tlsKey = new Option<FileInfo?>("--tls-key") { Description = "The PEM private key of --tls-cert" };
        var noSecret = new Option<bool>("--no-secret") { Description = "Serve without authentication (anyone who reaches the address reads the VM's memory): trusted test setups only" };
        var linkRate = new Option<string>("--link") { Description = "emulated link rate (e.g. 1gbit); default unlimited", DefaultValueFactory = _ => "unlimited" };
        var preset = new Option<string>("--layout") { Description = "firecracker (regions split at the 3 GiB MMIO gap) or flat", DefaultValueFactory = _ => "firecracker" };
        var regions = new Option<string?>("--regions") { Description = "Firecracker region sizes as the VMM maps them, e.g. 64MiB,32MiB (region 0 at GPA 0, region 1 at 4 GiB); default: from the file size" };
        var pageSize = new Option<string>("--page-size") { Description = "guest page size: 4KiB, or 2MiB for a hugetlbfs guest (Firecracker huge_pages \"2M\"); must match the destination's", DefaultValueFactory = _ => "4KiB" };
        var json = new Option<bool>("--json") { Description = "when stopped, print what was sent as JSON (snake_case); the other lines go to stderr" };
        var command = new Command("page-server", "serve a VM memory file to a post-copy destination over an urgent and a background channel; prints what it sent when stopped");
        foreach (var option in new Option[] { memoryFile, map, dirtyLog, listen, secretFile, noSecret, tlsCertificate, tlsKey, linkRate, preset, regions, pageSize, json })
        {
            command.Options.Add(option);
        }
        command.SetAction(async (parse, cancellationToken) =>
        {
            // With --json, stdout carries only the statistics document.
            var progress = parse.GetValue(json) ? Console.Error : Console.Out;
            try
            {
                var file = parse.GetValue(memoryFile)!;
                var bytes = (ulong)file.Length;
                var page = PageSize(parse.GetValue(pageSize)!);
                IReadOnlyList<MemoryRegion> regionList = parse.GetValue(regions) is { } sizes
                    ? FirecrackerRegions(sizes)
                    : parse.GetValue(preset) == "flat"
                        ? [new MemoryRegion(0, bytes, 0)]
                        : GuestMemoryLayout.Firecracker(bytes).Regions;
                var layout = new GuestMemoryLayout(regionList, page);
                var rate = LinkRate.Parse(parse.GetValue(linkRate)!);
                var secret = TransferSecretOptions.Resolve(parse.GetValue(secretFile));
                if (secret is null && !parse.GetValue(noSecret))
                {
                    Console.Error.WriteLine($"page-server: no secret: give --secret-file FILE or ${TransferSecret.EnvironmentVariable} (or --no-secret for a trusted test setup)");
                    return ExitCodes.Usage;
                }
                if ((parse.GetValue(tlsCertificate) is null) != (parse.GetValue(tlsKey) is null))
                {
                    Console.Error.WriteLine("page-server: --tls-cert and --tls-key go together");
                    return ExitCodes.Usage;
                }
                var tls = parse.GetValue(tlsCertificate) is { } certificate ? TransferTls.ServerFromPemFiles(certificate.FullName, parse.GetValue(tlsKey)!.FullName) : null;
                Func<ulong[]?, ITransferSchedule> factory = received => new AddressOrderSchedule(layout, received);
                if (parse.GetValue(map) is { } mapFile)
                {
                    var contents = MapFile.Read(mapFile.FullName);
                    var log = parse.GetValue(dirtyLog) is { } logFile ? SuppliedDirtyLog.Open(logFile.FullName, layout) : null;
                    var requestedAt = contents.RequestedAtMonotonicNs is { } ns ? HostClock.FromMonotonicNs(ns) : Stopwatch.GetTimestamp();
                    TransferPlanner planner;
                    try
                    {
                        planner = new TransferPlanner(contents.Map, layout, requestedAt, contents.RequestedAtMonotonicNs is null ? null : log);
                    }
                    catch (ClassMapMismatchException e)
                    {
                        // A map of another guest: one line, nothing served.
                        Console.Error.WriteLine($"page-server: --map {mapFile.Name}: {e.Message}");
                        return ExitCodes.Usage;
                    }
                    factory = new PlannerSchedule(planner).Factory();
                    progress.WriteLine(SkippingLine(planner.SkippingState, log is not null, contents.RequestedAtMonotonicNs is not null));
                }
                else if (parse.GetValue(dirtyLog) is not null)
                {
                    progress.WriteLine($"page-server: {SkippingStates.AddressOrder} (no --map): the dirty log is not used");
                }
                using var source = new MappedFilePageSource(file.FullName, layout);
                using var server = new PageServer(source, layout, factory, new PageServerOptions { Link = rate.IsUnlimited ? null : new TokenBucket(rate), Secret = secret, Tls = tls, BatchPages = (int)Math.Max(1, BatchBytes / page) });
                server.ConnectionFailed += (kind, e) => Console.Error.WriteLine($"page-server: {kind} connection dropped: {e.Message}");
                server.Listen(TransportAddress.Parse(parse.GetValue(listen)!));
                progress.WriteLine($"page-server: serving {bytes >> 20} MiB from {file.Name} in {page >> 10} KiB pages on {TransferEndPoint.Format(server.LocalEndPoint!)}, link {rate}, {(secret is null ? "NO AUTHENTICATION" : "secret required")}, {(tls is null ? "plain" : "TLS")}");
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // SIGINT/SIGTERM is how a page server stops: say what it sent.
                }
                ReportSent(server.Counters.Snapshot(), parse.GetValue(json));
                return ExitCodes.Ok;
            }
            catch (OperationCanceledException)
            {
                return ExitCodes.Ok;
            }
            catch (System.Net.Sockets.SocketException e)
            {
                Console.Error.WriteLine($"page-server: cannot listen on {parse.GetValue(listen)}: {e.Message}");
                return ExitCodes.Unavailable;
            }
            catch (Exception e) when (e is MapFileException or FormatException or IOException or LayoutException or ArgumentException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"page-server: {e.Message}");
                return ExitCodes.Usage;
            }
        });
        return command;
    }

    private static void ReportSent(PageServerStatistics stats, bool json)
    {
        if (json)
        {
            JsonOutput.Write(Console.Out, PageServerStatsJson.From(stats), CliJsonContext.Default.PageServerStatsJson);
            return;
        }
        Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"page-server: sent {stats.PagesSent} pages and {stats.ZeroPages} zero pages, skipped {stats.SkippedFrames} frames, {stats.TotalBytes >> 20} MiB ({stats.UrgentBytes >> 20} MiB urgent, {stats.UrgentRequests} requests) over {stats.Connections} connections"));
    }

    /// <summary>What the plan does with free frames and why, in one line (invariant 1: a log that does not cover the map is refused).</summary>
    internal static string SkippingLine(string state, bool logGiven, bool mapTimeKnown) => (logGiven, mapTimeKnown, state) switch
    {
        (false, _, _) => $"page-server: {state} (give --dirty-log): free frames are sent, only the order changes",
        (true, false, _) => $"page-server: dirty log refused: {SkippingStates.MapTimeUnknown}: free frames are sent",
        (true, true, SkippingStates.Enabled) => $"page-server: {state}",
        _ => $"page-server: dirty log refused: {state}: free frames are sent",
    };

    /// <summary>Bytes per background batch (64 pages of 4 KiB; one page of 2 MiB).</summary>
    private const ulong BatchBytes = 256 << 10;

    /// <summary>4 KiB or 2 MiB (the page sizes a Firecracker guest can have on x86_64).</summary>
    private static uint PageSize(string text)
    {
        var size = Demo.ByteSize.Parse(text);
        return size is 4096 or (2 << 20)
            ? (uint)size
            : throw new FormatException($"--page-size {text}: a Firecracker guest has 4KiB or 2MiB pages");
    }

    /// <summary>Region sizes as Firecracker's handshake reports them: region 0 at GPA 0, region 1 at 4 GiB, the file the regions concatenated.</summary>
    internal static List<MemoryRegion> FirecrackerRegions(string sizes)
    {
        var list = sizes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Demo.ByteSize.Parse).ToArray();
        if (list.Length is < 1 or > 2)
        {
            throw new FormatException($"--regions takes one or two sizes, got '{sizes}'");
        }
        var result = new List<MemoryRegion> { new(0, list[0], 0) };
        if (list.Length == 2)
        {
            result.Add(new MemoryRegion(Math.Max(list[0], 4UL << 30), list[1], list[0]));
        }
        return result;
    }

}
