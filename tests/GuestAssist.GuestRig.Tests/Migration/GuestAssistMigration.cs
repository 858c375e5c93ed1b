using System.Diagnostics;
using System.Globalization;
using GuestAssist.Host.DirtyLog;
using GuestAssist.Host.EvictionSession;
using GuestAssist.Host.Firecracker;
using GuestAssist.Host.Layout;
using GuestAssist.Host.Source;
using GuestAssist.Host.Transfer;
using GuestAssist.Host.Vmm;
using GuestAssist.Linux.Transports;
using GuestAssist.Protocol.V1;

namespace GuestAssist.GuestRig.Tests.Migration;

/// <summary>
/// GuestAssist's eviction of a stock QEMU: both QEMUs keep guest RAM in shared files and migrate only device state
/// (x-ignore-shared). The source QEMU's preload handed a WP_ASYNC uffd to the host at boot (the dirty log); the
/// destination QEMU starts ahead, its preload hands its RAM to `guestassist uffd-handler --source` in the
/// destination's namespace, and the Eviction session does the rest: agent, dirty log, map, pause, page server,
/// then the device state, then the destination runs and faults in what the background stream has not sent yet.
/// </summary>
internal static class GuestAssistMigration
{
    public static async Task<(MigrationFacts Facts, MigrationQemu Destination, Process Handler)> MigrateAsync(
        MigrationContext context, MigrationMethod method, MigrationQemu source, FirecrackerHandshake tracking, TimeSpan timeout, Action<string> log)
    {
        var secret = TransferSecret.Generate();
        var secretFile = Path.Combine(context.WorkDirectory, "transfer.secret");
        secret.WriteTo(secretFile);
        var handlerSocket = Path.Combine(context.WorkDirectory, "handler.sock");
        File.Delete(handlerSocket);
        var handler = StartHandler(context, handlerSocket, secretFile);
        var destinationOptions = context.DestinationOptions().WithUffdPreload(context.Inputs.PreloadLibrary, "missing", handlerSocket);
        var destination = await MigrationQemu.StartAsync(destinationOptions);
        context.Destination = destination;
        var ignoreShared = new { capabilities = new[] { new { capability = "x-ignore-shared", state = true } } };
        await source.Qmp!.ExecuteAsync("migrate-set-capabilities", ignoreShared);
        await destination.Qmp!.ExecuteAsync("migrate-set-capabilities", ignoreShared);
        await destination.Qmp.ExecuteAsync("migrate-incoming", new { uri = context.IncomingUri });

        var layout = GuestMemoryLayout.QemuPc((ulong)source.Options.MemoryMiB << 20);
        var ramFile = source.Options.RamFile;
        var vmm = new DelegateVmm(
            $"qemu {source.Options.QmpSocket}",
            _ => Task.FromResult(layout),
            async t => await source.Qmp.ExecuteAsync("stop", cancellationToken: t),
            (l, _) => Task.FromResult<IPageSource>(new MappedFilePageSource(ramFile, l, releasable: true)),
            async t => await source.Qmp.ExecuteAsync("cont", cancellationToken: t),
            // The RAM file is shared: the push reads it while the VM runs; the dirty log says what to send again.
            (l, _) => Task.FromResult<IPageSource?>(new MappedFilePageSource(ramFile, l)));
        long? sourceFree = null;
        await using var eviction = new Eviction(new EvictionOptions
        {
            Vmm = vmm,
            Listen = TransportAddress.Parse($"tcp:{context.Link.SourceAddress}:{MigrationContext.PageServerPort}"),
            Agent = TransportAddress.Parse("unix:" + source.Options.AgentSocket),
            // The token bucket counts page bytes; the wire also carries TCP/IP and Ethernet headers (1448 of 1538 bytes
            // per full frame are payload), so the rate the operator gives is the payload rate the link carries.
            Link = new LinkRate(context.Link.BitsPerSecond / 8.0 * ShapedLink.PayloadShare),
            Secret = secret,
            StartDirtyLog = l => UffdWriteTracker.ForProcess(tracking.Peer.ProcessId, tracking.Uffd, l.WithHostAddresses([.. tracking.Mappings.Select(m => m.BaseHostVirtAddr)])),
            Order = method == MigrationMethod.GuestAssistAddressOrder ? EvictionOrder.AddressOrder : EvictionOrder.Planner,
            Mode = method == MigrationMethod.GuestAssistEnlightened ? Host.EvictionSession.EvictionMode.Hybrid : Host.EvictionSession.EvictionMode.PostCopy,
            // The guest's heat here is soft-dirty (write heat), which the source's WP_ASYNC log sees too at no cost to the
            // guest; GUESTASSIST_MIGRATION_HEAT=agent measures the agent's heat window instead.
            Heat = Environment.GetEnvironmentVariable("GUESTASSIST_MIGRATION_HEAT") == "agent" ? EvictionHeat.Agent : EvictionHeat.HostWriteLog,
            StartDestination = async t =>
            {
                await source.Qmp.ExecuteAsync("migrate", new { uri = context.IncomingUri }, t);
                while (true)
                {
                    var status = (await source.Qmp.ExecuteAsync("query-migrate", cancellationToken: t))?["status"]?.GetValue<string>();
                    if (status == "completed")
                    {
                        break;
                    }
                    if (status is "failed" or "cancelled")
                    {
                        throw new InvalidOperationException($"QEMU's device-state migration {status}");
                    }
                    await Task.Delay(2, t);
                }
                // The source was paused, so the destination ends its incoming migration paused: wait until it has
                // (a `cont` while it still loads is taken as autostart, which a paused source's state overrides).
                string? state;
                while ((state = (await destination.Qmp.ExecuteAsync("query-status", cancellationToken: t))?["status"]?.GetValue<string>()) == "inmigrate")
                {
                    await Task.Delay(1, t);
                }
                if (state != "running")
                {
                    await destination.Qmp.ExecuteAsync("cont", cancellationToken: t);
                }
            },
            StepTimeout = TimeSpan.FromSeconds(20),
            TransferTimeout = timeout,
        });
        using var progress = eviction.Progress.Subscribe(p =>
        {
            if (p.Message is { } message)
            {
                log($"{p.Elapsed.TotalSeconds,7:0.000} {p.Phase}: {message}");
            }
            else
            {
                log(string.Create(CultureInfo.InvariantCulture, $"{p.Elapsed.TotalSeconds,7:0.000} {p.Phase}: sent {p.BytesSent / 1e6:0.0} MB, {p.PagesPerSecond:0} pages/s, dirty {p.DirtyBytesPerSecond / 1e6:0.0} MB/s, {p.ThrottledProcesses} throttled, {p.FaultsServed} faults"));
            }
            if (p.Phase == EvictionPhase.SourceFree && sourceFree is null)
            {
                sourceFree = Stopwatch.GetTimestamp();
            }
        });
        var result = await eviction.RunAsync();
        if (result.Outcome != EvictionOutcome.Completed)
        {
            throw new InvalidOperationException($"{method.Name()}: eviction {result.Outcome}: {result.Error}");
        }
        var transfer = result.Transfer;
        var classes = new Dictionary<string, long>();
        if (transfer is not null)
        {
            for (var i = 0; i < transfer.BytesByPageClass.Count; i++)
            {
                if (transfer.BytesByPageClass[i] > 0)
                {
                    classes[((PageClass)i).ToString()] = transfer.BytesByPageClass[i];
                }
            }
        }
        var stopped = source.Qmp.EventTimes("STOP");
        var resumed = destination.Qmp.EventTimes("RESUME");
        return (new MigrationFacts
        {
            SourceStopped = stopped.Count > 0 ? stopped[^1] : null,
            DestinationResumed = resumed.Count > 0 ? resumed[^1] : null,
            SourceFree = sourceFree,
            BytesSent = transfer?.TotalBytes ?? 0,
            BytesByClass = classes,
            Faults = transfer?.UrgentRequests,
            Notes = $"plan: {result.Plan}; agent {result.Agent}; {transfer?.ZeroPages:N0} zero, {transfer?.SkippedFrames:N0} skipped",
        }, destination, handler);
    }

    private static Process StartHandler(MigrationContext context, string handlerSocket, string secretFile)
    {
        // Its summary (--json) goes to handler.json, its progress to handler.log, both in the run's directory.
        var start = new ProcessStartInfo("ip")
        {
            ArgumentList =
            {
                "netns", "exec", context.Link.Namespace, "sh", "-c", "exec \"$0\" \"$@\" > handler.json 2> handler.log",
                context.Inputs.Cli, "uffd-handler",
                "--socket", handlerSocket,
                "--source", $"tcp:{context.Link.SourceAddress}:{MigrationContext.PageServerPort}",
                "--secret-file", secretFile, "--handshake-timeout", "60", "--json",
            },
            WorkingDirectory = context.WorkDirectory,
            UseShellExecute = false,
        };
        return Process.Start(start) ?? throw new InvalidOperationException("could not start guestassist uffd-handler");
    }
}
