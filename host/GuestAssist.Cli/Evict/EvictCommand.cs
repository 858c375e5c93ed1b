using System.CommandLine;
using System.Net;
using GuestAssist.Cli.Commands;
using GuestAssist.Host.Agent;
using GuestAssist.Host.DirtyLog;
using GuestAssist.Host.EvictionSession;
using GuestAssist.Host.Layout;
using GuestAssist.Host.Source;
using GuestAssist.Host.Transfer;
using GuestAssist.Host.Vmm;
using GuestAssist.Host.Vmm.Firecracker;
using GuestAssist.Linux.Transports;
using GuestAssist.Protocol.MapFiles;

namespace GuestAssist.Cli.Evict;

/// <summary>
/// `guestassist evict`: one eviction session for a Firecracker VM — the agent over hybrid vsock (optional), the VMM's
/// API socket, where the snapshot's memory goes, where the page server listens for `uffd-handler --source`.
/// </summary>
internal static class EvictCommand
{
    public const string ExitCodesHelp =
        "Exit codes: 0 evicted (every page at the destination, the source's copy released); 1 the VMM refused (its API answered an error), "
        + "the VM runs on the source; 2 usage error, nothing attempted; 3 the VMM or the destination could not be reached, the VM runs on "
        + "the source; 4 failed part-way (the VM stays paused once the destination took over, see the last line); 130 cancelled "
        + "(resumed on the source unless the destination had connected).";

    public static Command Create()
    {
        var apiSocket = new Option<string>("--api-socket") { Description = "the Firecracker VM's API socket (--api-sock)", Required = true };
        var memoryFile = new Option<string>("--memory-file") { Description = "where the snapshot's guest memory is written and served from (a path on the source)", Required = true };
        var snapshotFile = new Option<string?>("--snapshot-file") { Description = "where the device state goes (the destination loads it); default: MEMORY-FILE.vmstate" };
        var agent = new Option<string?>("--agent") { Description = "the guest agent, e.g. hybrid:/srv/vm1/v.sock:5000; without it the plan is address order" };
        var listen = new Option<string>("--listen") { Description = "where the page server waits for the destination: unix:/path or tcp:host:port", Required = true };
        var secretFile = TransferSecretOptions.FileOption();
        var noSecret = new Option<bool>("--no-secret") { Description = "serve without authentication: trusted test setups only" };
        var link = new Option<string>("--link") { Description = "link to the destination (e.g. 10gbit); limits both channels and sets the agent's dirty budget; default unlimited", DefaultValueFactory = _ => "unlimited" };
        var mode = new Option<string>("--mode") { Description = "post-copy, or hybrid (tells the agent; a Firecracker VM gives its memory only as the snapshot made at the pause, so its pages still move after switchover)", DefaultValueFactory = _ => "post-copy" };
        mode.AcceptOnlyFromAmong("post-copy", "hybrid");
        var regions = new Option<string?>("--regions") { Description = "region sizes as the VMM maps them, e.g. 64MiB,32MiB; default: from GET /machine-config" };
        var map = new Option<string?>("--map") { Description = "a class map file (guestassist agent map --out) used when no agent gives one; skipping needs its request time and a covering --dirty-log" };
        var dirtyLog = new Option<string?>("--dirty-log") { Description = "a dirty log the VMM writes at the pause (GADIRTY1 bitmap or Firecracker diff snapshot + FILE.json); without one free frames are sent" };
        var timeout = new Option<int>("--timeout") { Description = "seconds to wait for the destination and the whole transfer", DefaultValueFactory = _ => 1800 };
        var keepSource = new Option<bool>("--keep-source") { Description = "keep the memory file whole; by default each page is punched out of it once the destination confirms it installed" };
        var json = new Option<bool>("--json") { Description = "JSON lines: every report, then the result with each phase's time" };
        var command = new Command("evict", "evict a Firecracker VM: agent, dirty log, switchover, post-copy to `uffd-handler --source`, source freed.\n" + ExitCodesHelp);
        foreach (var option in new Option[] { apiSocket, memoryFile, snapshotFile, agent, listen, secretFile, noSecret, link, mode, regions, map, dirtyLog, timeout, keepSource, json })
        {
            command.Options.Add(option);
        }
        command.SetAction(async (parse, cancellationToken) =>
        {
            EvictionOptions options;
            FirecrackerApiClient api;
            try
            {
                var secret = TransferSecretOptions.Resolve(parse.GetValue(secretFile));
                if (secret is null && !parse.GetValue(noSecret))
                {
                    await Console.Error.WriteLineAsync($"evict: no secret: give --secret-file FILE or ${TransferSecret.EnvironmentVariable} (or --no-secret for a trusted test setup)").ConfigureAwait(false);
                    return ExitCodes.Usage;
                }
                var memory = Path.GetFullPath(parse.GetValue(memoryFile)!);
                api = new FirecrackerApiClient(parse.GetValue(apiSocket)!);
                var layout = parse.GetValue(regions) is { } sizes ? new GuestMemoryLayout(PageServerCommand.FirecrackerRegions(sizes)) : null;
                options = new EvictionOptions
                {
                    Vmm = new FirecrackerVm(api, memory, parse.GetValue(snapshotFile) ?? memory + ".vmstate", layout),
                    Listen = TransportAddress.Parse(parse.GetValue(listen)!),
                    Agent = parse.GetValue(agent) is { } address ? TransportAddress.Parse(address) : null,
                    Secret = secret,
                    Link = LinkRate.Parse(parse.GetValue(link)!),
                    Mode = parse.GetValue(mode) == "hybrid" ? EvictionMode.Hybrid : EvictionMode.PostCopy,
                    ReleaseSource = !parse.GetValue(keepSource),
                    DirtyLogFile = parse.GetValue(dirtyLog),
                    RequestMap = parse.GetValue(map) is { } mapFile ? MapFromFile(MapFile.Read(mapFile)) : null,
                    TransferTimeout = TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(timeout))),
                };
            }
            catch (Exception e) when (e is MapFileException or FormatException or ArgumentException or IOException or UnauthorizedAccessException or LayoutException or TransportAddressFormatException)
            {
                await Console.Error.WriteLineAsync($"evict: {e.Message}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }
            using (api)
            {
                return await RunAsync(options, Console.Out, parse.GetValue(json), !Console.IsOutputRedirected, cancellationToken).ConfigureAwait(false);
            }
        });
        return command;
    }

    /// <summary>Runs one session and shows it; returns the exit code.</summary>
    internal static async Task<int> RunAsync(EvictionOptions options, TextWriter stdout, bool json, bool terminal, CancellationToken cancellationToken)
    {
        await using var eviction = new Eviction(options);
        var output = new EvictOutput(stdout, json, terminal);
        var result = await output.ShowAsync(eviction, () => eviction.RunAsync(cancellationToken)).ConfigureAwait(false);
        var exit = ExitCodeOf(result);
        output.WriteResult(result, exit);
        return exit;
    }

    /// <summary>
    /// A map file as the session's map. Without a recorded request time (written in the guest) the request counts as later
    /// than anything, so no dirty log can cover it: the map orders the transfer and skipping is refused.
    /// </summary>
    private static Func<CancellationToken, Task<AgentMemoryMap>> MapFromFile(MapFileContents contents) => _ =>
        Task.FromResult(new AgentMemoryMap(
            contents.Map,
            contents.RequestedAtMonotonicNs is { } ns ? HostClock.FromMonotonicNs(ns) : long.MaxValue,
            contents.HeatMethod,
            contents.ChunkCount,
            0));

    internal static int ExitCodeOf(EvictionResult result) => result.Outcome switch
    {
        EvictionOutcome.Completed => ExitCodes.Ok,
        EvictionOutcome.Cancelled => ExitCodes.Cancelled,
        _ when result.Cause is FirecrackerApiException { StatusCode: HttpStatusCode.BadRequest } && !result.LeftPaused => ExitCodes.Refused,
        _ when result.Cause is FirecrackerApiException or TimeoutException && !result.LeftPaused => ExitCodes.Unavailable,
        _ when result.Cause is VmmException && !result.LeftPaused => ExitCodes.Refused,
        _ => ExitCodes.Failed,
    };
}
