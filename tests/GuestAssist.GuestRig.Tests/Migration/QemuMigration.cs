using System.Diagnostics;
using System.Text.Json.Nodes;

namespace GuestAssist.GuestRig.Tests.Migration;

/// <summary>QEMU's own migration (the baselines): post-copy with or without preempt, pre-copy with or without auto-converge.</summary>
public static class QemuMigration
{
    public static async Task<(MigrationFacts Facts, MigrationQemu Destination)> MigrateAsync(MigrationContext context, MigrationMethod method, MigrationQemu source, TimeSpan timeout)
    {
        var destination = await MigrationQemu.StartAsync(context.DestinationOptions());
        context.Destination = destination;
        var postcopy = method is MigrationMethod.QemuPostcopy or MigrationMethod.QemuPostcopyPreempt;
        var capabilities = new List<object>();
        if (postcopy)
        {
            capabilities.Add(new { capability = "postcopy-ram", state = true });
        }
        if (method == MigrationMethod.QemuPostcopyPreempt)
        {
            capabilities.Add(new { capability = "postcopy-preempt", state = true });
        }
        if (capabilities.Count > 0)
        {
            await source.Qmp!.ExecuteAsync("migrate-set-capabilities", new { capabilities });
            await destination.Qmp!.ExecuteAsync("migrate-set-capabilities", new { capabilities });
        }
        if (postcopy)
        {
            await destination.Qmp!.ExecuteAsync("migrate-set-capabilities", new { capabilities = new[] { new { capability = "postcopy-blocktime", state = true } } });
        }
        if (method == MigrationMethod.QemuPrecopyAutoConverge)
        {
            await source.Qmp!.ExecuteAsync("migrate-set-capabilities", new { capabilities = new[] { new { capability = "auto-converge", state = true } } });
        }
        // The shaped link is the limit, as it is for GuestAssist: QEMU's own default cap (128 MiB/s) would be a second one.
        await source.Qmp!.ExecuteAsync("migrate-set-parameters", new Dictionary<string, object> { ["max-bandwidth"] = 10L << 30 });
        await destination.Qmp!.ExecuteAsync("migrate-incoming", new { uri = context.IncomingUri });
        await source.Qmp.ExecuteAsync("migrate", new { uri = context.IncomingUri });
        if (postcopy)
        {
            await WaitForStatusAsync(source, s => s is "active" or "completed" or "failed", TimeSpan.FromSeconds(20));
            await source.Qmp.ExecuteAsync("migrate-start-postcopy");
        }
        string status;
        long completedAt;
        JsonNode? info;
        try
        {
            (status, completedAt, info) = await WaitForStatusAsync(source, s => s is "completed" or "failed" or "cancelled", timeout);
        }
        catch (TimeoutException) when (!postcopy)
        {
            // Pre-copy that cannot catch up with the guest's writes: a result, not a failure. The VM stays on the source.
            var stuck = await source.Qmp.ExecuteAsync("query-migrate");
            await source.Qmp.ExecuteAsync("migrate_cancel");
            return (new MigrationFacts
            {
                BytesSent = stuck?["ram"]?["transferred"]?.GetValue<long>() ?? 0,
                Notes = $"did not converge within {timeout.TotalSeconds:0} s ({stuck?["ram"]?["dirty-sync-count"]?.GetValue<long>()} dirty syncs, throttle {stuck?["cpu-throttle-percentage"]?.GetValue<long>() ?? 0}%): cancelled, the VM stayed on the source",
            }, destination);
        }
        if (status != "completed")
        {
            throw new InvalidOperationException($"{method.Name()}: QEMU's migration ended {status}: {info?["error-desc"]?.GetValue<string>()}");
        }
        await WaitForRunningAsync(destination, TimeSpan.FromSeconds(30));
        double? blocktime = null;
        if (postcopy && await destination.Qmp.ExecuteAsync("query-migrate") is JsonObject incoming && incoming["postcopy-blocktime"] is { } total)
        {
            blocktime = total.GetValue<double>() / 1000.0;
        }
        var ram = info?["ram"];
        var stopped = source.Qmp.EventTimes("STOP");
        var resumed = destination.Qmp.EventTimes("RESUME");
        return (new MigrationFacts
        {
            SourceStopped = stopped.Count > 0 ? stopped[^1] : null,
            DestinationResumed = resumed.Count > 0 ? resumed[^1] : null,
            SourceFree = completedAt,
            BytesSent = ram?["transferred"]?.GetValue<long>() ?? 0,
            Faults = ram?["postcopy-requests"]?.GetValue<long>(),
            BlocktimeSeconds = blocktime,
            Notes = $"downtime {info?["downtime"]?.GetValue<long>()} ms, {ram?["dirty-sync-count"]?.GetValue<long>()} dirty syncs, throttle {info?["cpu-throttle-percentage"]?.GetValue<long>() ?? 0}%",
        }, destination);
    }

    private static async Task<(string Status, long At, JsonNode? Info)> WaitForStatusAsync(MigrationQemu source, Func<string, bool> done, TimeSpan timeout)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var info = await source.Qmp!.ExecuteAsync("query-migrate");
            var status = info?["status"]?.GetValue<string>() ?? "none";
            if (done(status))
            {
                return (status, Stopwatch.GetTimestamp(), info);
            }
            if (waited.Elapsed > timeout)
            {
                throw new TimeoutException($"QEMU's migration still {status} after {timeout.TotalSeconds:0} s");
            }
            await Task.Delay(20);
        }
    }

    /// <summary>Waits until the VM runs on <paramref name="qemu"/> (QMP query-status).</summary>
    public static async Task WaitForRunningAsync(MigrationQemu qemu, TimeSpan timeout)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var state = await qemu.Qmp!.ExecuteAsync("query-status");
            if (state?["status"]?.GetValue<string>() == "running")
            {
                return;
            }
            if (waited.Elapsed > timeout)
            {
                throw new TimeoutException($"{qemu.Options.Name}: the VM is {state?["status"]} after {timeout.TotalSeconds:0} s, not running");
            }
            await Task.Delay(20);
        }
    }
}
