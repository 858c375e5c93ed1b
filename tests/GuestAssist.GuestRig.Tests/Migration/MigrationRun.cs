using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using GuestAssist.Host.Firecracker;

namespace GuestAssist.GuestRig.Tests.Migration;

/// <summary>
/// One (workload, method) run: boot the source, wait for the service to run steadily, evict at t = 0, watch the
/// service for the window on whichever QEMU runs it, have it check every word it holds, tear everything down.
/// </summary>
public static class MigrationRun
{
    public const double WarmupSeconds = 3;

    /// <summary>
    /// The source's baseline and the destination's steady rate are medians over this long: a TCG guest's rate here swings
    /// ±20% from one 5 s stretch to the next (a plain random-access loop's ±15%: the machine's memory speed varies).
    /// </summary>
    public const double BaselineSeconds = 10;

    /// <summary>How long QEMU's migration may take before a pre-copy that cannot converge is cancelled and reported so.</summary>
    public static double PrecopyLimitSeconds =>
        double.TryParse(Environment.GetEnvironmentVariable("GUESTASSIST_MIGRATION_PRECOPY_LIMIT"), CultureInfo.InvariantCulture, out var seconds) ? seconds : 90;

    public static async Task<MigrationRecord> RunAsync(MigrationInputs inputs, MigrationWorkload workload, MigrationMethod method, int run, ShapedLink link, string outputDirectory, double windowSeconds, Action<string> log)
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"{workload.Name}-{method.Name()}-{run}");
        await using var placement = await CpuPlacement.KeepHostSideOffTheVcpuAsync();
        var work = Path.Combine(outputDirectory, name);
        Directory.CreateDirectory(work);
        var unique = $"ga-mig-{Environment.ProcessId}-{Guid.NewGuid():N}";
        var sourceRam = $"/dev/shm/{unique}-src";
        var destinationRam = $"/dev/shm/{unique}-dst";
        var baseOptions = new MigrationQemuOptions("source", inputs.QemuDirectory, inputs.Vmlinux, inputs.Initramfs[workload.Name], workload.MemoryMiB, sourceRam, inputs.Disk, work);
        var destinationOptions = baseOptions with { Name = "destination", RamFile = destinationRam, Incoming = true, NetworkNamespace = link.Namespace };
        var context = new MigrationContext(inputs, workload, link, work, () => destinationOptions);
        var trackerSocket = Path.Combine(work, "tracker.sock");
        var lines = new List<string>();
        long? evictionStart = null;
        void Log(string line)
        {
            lock (lines)
            {
                // session.log carries the host's time since the eviction began, the clock throughput.csv uses.
                lines.Add(evictionStart is { } t ? string.Create(CultureInfo.InvariantCulture, $"[{Stopwatch.GetElapsedTime(t).TotalSeconds,8:0.000}] {line}") : line);
            }
            log($"{name}: {line}");
        }

        MigrationQemu? source = null, destination = null;
        Process? handler = null;
        FirecrackerHandshake? tracking = null;
        Socket? trackerListener = null;
        try
        {
            Task<FirecrackerHandshake>? handshake = null;
            if (method.IsGuestAssist())
            {
                File.Delete(trackerSocket);
                trackerListener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                trackerListener.Bind(new UnixDomainSocketEndPoint(trackerSocket));
                trackerListener.Listen(1);
                var listener = trackerListener;
                handshake = Task.Run(async () =>
                {
                    var connection = await listener.AcceptAsync();
                    return FirecrackerHandshake.Receive(connection, (ulong)workload.MemoryMiB << 20, TimeSpan.FromSeconds(30));
                });
                baseOptions = baseOptions.WithUffdPreload(inputs.PreloadLibrary, "wp-async", trackerSocket);
            }
            source = await MigrationQemu.StartAsync(baseOptions);
            if (handshake is not null)
            {
                tracking = await handshake.WaitAsync(TimeSpan.FromSeconds(30));
            }
            var ready = await source.Console.WaitForAsync("READY kv", "the service ready", TimeSpan.FromMinutes(10));
            Log($"service ready: {ready.Text}");
            await Task.Delay(TimeSpan.FromSeconds(WarmupSeconds + BaselineSeconds));

            var startedAt = Stopwatch.GetTimestamp();
            evictionStart = startedAt;
            Log(string.Create(CultureInfo.InvariantCulture, $"eviction starts at {DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0:0.000} (Unix time, for tools sampling the host alongside)"));
            var window = TimeSpan.FromSeconds(windowSeconds);
            MigrationFacts facts;
            if (method.IsGuestAssist())
            {
                (facts, destination, handler) = await GuestAssistMigration.MigrateAsync(context, method, source, tracking!, TimeSpan.FromMinutes(5), Log);
            }
            else
            {
                (facts, destination) = await QemuMigration.MigrateAsync(context, method, source, TimeSpan.FromSeconds(PrecopyLimitSeconds));
            }
            // Every run is watched until 15 s after its own switchover at least: a slow pre-copy's recovery counts too.
            if (facts.SourceStopped is { } stoppedAt)
            {
                var switchover = Stopwatch.GetElapsedTime(startedAt, stoppedAt);
                if (switchover + TimeSpan.FromSeconds(15) > window)
                {
                    window = switchover + TimeSpan.FromSeconds(15);
                }
            }
            var left = window - Stopwatch.GetElapsedTime(startedAt);
            if (left > TimeSpan.Zero)
            {
                await Task.Delay(left);
            }
            // A migration that never switched over leaves the VM on the source: the check runs there.
            var runs = facts.SourceStopped is null ? source : destination;
            var status = await runs.Qmp!.ExecuteAsync("query-status");
            Log($"{runs.Options.Name} after the window: {status?.ToJsonString()}, {runs.Console.Lines.Count(l => l.Text.StartsWith("TPUT", StringComparison.Ordinal))} TPUT lines");
            var before = runs.Console.Count;
            await runs.SendLineAsync("v");
            var verify = await runs.Console.WaitForAsync("VERIFY", "the service's check of every word", TimeSpan.FromMinutes(3), before);
            var verdict = verify.Text.Split(' ');
            var trace = ThroughputTrace.From(startedAt, source.Console.Lines.Concat(destination.Console.Lines));
            File.WriteAllLines(Path.Combine(work, "throughput.csv"), ["seconds,operations_per_second,interval_seconds", .. trace.Samples.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Seconds:0.000},{s.OperationsPerSecond:0},{s.IntervalSeconds:0.000}"))]);
            if (handler is not null)
            {
                File.WriteAllText(Path.Combine(work, "destination-console.log"), destination.Console.Format(Stopwatch.GetTimestamp()));
                await destination.DisposeAsync();
                destination = null;
                context.Destination = null;
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                await handler.WaitForExitAsync(wait.Token).ConfigureAwait(false);
                facts = facts with { Notes = facts.Notes + "; handler: " + HandlerSummary(work) };
            }
            return Measure(workload, method, run, startedAt, facts, trace, window.TotalSeconds,
                long.Parse(verdict[1], CultureInfo.InvariantCulture), long.Parse(verdict[2], CultureInfo.InvariantCulture));
        }
        finally
        {
            File.WriteAllLines(Path.Combine(work, "session.log"), lines);
            var origin = Stopwatch.GetTimestamp();
            if (source is not null)
            {
                File.WriteAllText(Path.Combine(work, "source-console.log"), source.Console.Format(origin));
                await source.DisposeAsync();
            }
            destination ??= context.Destination;
            if (destination is not null)
            {
                File.WriteAllText(Path.Combine(work, "destination-console.log"), destination.Console.Format(origin));
                await destination.DisposeAsync();
            }
            if (handler is not null)
            {
                if (!handler.HasExited)
                {
                    handler.Kill(entireProcessTree: true);
                }
                handler.Dispose();
            }
            tracking?.Dispose();
            trackerListener?.Dispose();
            File.Delete(sourceRam);
            File.Delete(destinationRam);
        }
    }

    private static string HandlerSummary(string work)
    {
        var json = Path.Combine(work, "handler.json");
        return File.Exists(json) && new FileInfo(json).Length > 0 ? File.ReadAllText(json).ReplaceLineEndings(" ").Trim() : "no summary (see handler.log)";
    }

    private static MigrationRecord Measure(MigrationWorkload workload, MigrationMethod method, int run, long evictionStart, MigrationFacts facts, ThroughputTrace trace, double windowSeconds, long verifyErrors, long verifiedPages)
    {
        double At(long? timestamp) => timestamp is { } t ? (double)(t - evictionStart) / Stopwatch.Frequency : double.NaN;
        var baseline = trace.MedianRate(-BaselineSeconds, 0);
        var switchover = At(facts.SourceStopped);
        var resumed = At(facts.DestinationResumed);
        var steady = trace.MedianRate(windowSeconds - BaselineSeconds, windowSeconds);
        var sourceFree = At(facts.SourceFree);
        // The mean, not the median: a median over the eviction leaves out a stall shorter than half of it.
        var during = trace.MeanRate(0, double.IsNaN(sourceFree) ? windowSeconds : Math.Min(sourceFree, windowSeconds));
        return new MigrationRecord(
            workload.Name, method, run, baseline, switchover, (resumed - switchover) * 1000,
            trace.RecoveredAt(switchover, 0.9 * baseline) - switchover,
            trace.RecoveredAt(switchover, 0.9 * steady) - switchover,
            // Before the switchover the service is measured against the source's baseline, after it against the
            // destination's own steady rate: two QEMU processes of one guest run up to ±30% apart under TCG, and that
            // difference, integrated over the window, is not work the migration lost.
            double.IsNaN(switchover) ? trace.Deficit(baseline, 0, windowSeconds) : trace.Deficit(baseline, 0, switchover) + trace.Deficit(steady, switchover, windowSeconds),
            trace.Deficit(baseline, 0, windowSeconds),
            trace.DeficitToRecovery(baseline, steady, switchover, windowSeconds),
            steady / baseline,
            during / baseline,
            sourceFree,
            facts.BytesSent / 1e6,
            facts.Faults,
            facts.BlocktimeSeconds,
            trace.Errors + verifyErrors,
            verifiedPages,
            string.Create(CultureInfo.InvariantCulture, $"window {windowSeconds:0} s; ") + facts.Notes + (facts.BytesByClass.Count > 0 ? "; MB by class: " + string.Join(", ", facts.BytesByClass.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Key} {c.Value / 1e6:0.0}"))) : ""),
            trace);
    }
}
