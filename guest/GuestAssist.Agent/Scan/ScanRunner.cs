using GuestAssist.Guest.Attribution;
using GuestAssist.Guest.Capabilities;
using GuestAssist.Guest.Heat;
using GuestAssist.Guest.ProcFs;
using GuestAssist.Guest.Scanning;
using Spectre.Console;

namespace GuestAssist.Agent.Scan;

/// <summary>Runs `guestassist-agent scan`: detect capabilities, sample heat, scan, attribute, render.</summary>
internal static class ScanRunner
{
    public static async Task<int> RunAsync(ScanOptions options, Stream stdout, IAnsiConsole console, TextWriter stderr, CancellationToken cancellationToken)
    {
        var paths = new ProcFsPaths(options.ProcRoot, options.SysRoot);
        var capabilities = CapabilityProbe.Detect(paths);
        foreach (var line in capabilities.Degradations)
        {
            await stderr.WriteLineAsync($"degraded: {line}").ConfigureAwait(false);
        }
        if (!capabilities.CanScanFrames)
        {
            await stderr.WriteLineAsync("scan: cannot classify frames without /proc/kpageflags and /proc/kpagecount (see above)").ConfigureAwait(false);
            return ExitCodes.Unavailable;
        }
        try
        {
            using var scanner = new FrameScanner(paths);
            if (options.Bench)
            {
                ScanBenchmark.Run(scanner, options.Rounds, console.Profile.Out.Writer);
                return ExitCodes.Ok;
            }
            WorkingSet workingSet;
            string selection;
            TimeSpan heatCpu;
            IReadOnlyList<ProcessWrites>? writes = null;
            using (var monitor = HeatMonitorSelector.Create(options.Heat, paths, scanner.RamRanges, out selection))
            {
                var cpuBefore = Environment.CpuUsage.TotalTime;
                workingSet = await monitor.SampleAsync(options.Window, cancellationToken).ConfigureAwait(false);
                heatCpu = Environment.CpuUsage.TotalTime - cpuBefore;
                if (monitor is SoftDirtyMonitor softDirty)
                {
                    writes = [.. softDirty.LatestWrites];
                }
            }
            var scan = scanner.Scan(workingSet);
            KernelCounters? kernel = null;
            try
            {
                kernel = KernelCountersReader.Read(paths);
            }
            catch (IOException e)
            {
                await stderr.WriteLineAsync($"degraded: no kernel counters to compare with: {e.Message}").ConfigureAwait(false);
            }
            AttributionResult? attribution = null;
            if (options.ByProcess || options.Pids.Count > 0 || options.Service is not null)
            {
                var attributor = new ProcessAttributor(paths);
                var pids = options.Pids.ToList();
                if (options.Service is { } service)
                {
                    var members = attributor.FindService(service);
                    if (members.Count == 0)
                    {
                        await stderr.WriteLineAsync($"attribution: no process has command or cgroup '{service}'").ConfigureAwait(false);
                    }
                    pids.AddRange(members);
                }
                attribution = attributor.Attribute(scan, pids.Count > 0 || options.Service is not null ? pids : null);
            }
            if (options.MapFile is { } mapFile)
            {
                try
                {
                    var classMap = scan.ToMap(withHeat: true, attribution?.Owners);
                    var chunks = GuestAssist.Protocol.MapFiles.MapFile.Write(mapFile, classMap);
                    await stderr.WriteLineAsync($"map: {classMap.RunCount} runs in {chunks} chunks written to {mapFile}").ConfigureAwait(false);
                }
                catch (NotImplementedException)
                {
                    await stderr.WriteLineAsync("map: the page-class map codec is not in this build yet; no map written").ConfigureAwait(false);
                    return ExitCodes.Failed;
                }
            }
            var report = new ScanReport(scan, kernel, workingSet, capabilities, attribution, selection, heatCpu, writes);
            if (options.Json)
            {
                ScanJsonWriter.Write(stdout, report, options.Top);
            }
            else
            {
                ScanTableRenderer.Render(console, report);
                if (attribution is not null)
                {
                    ProcessTableRenderer.Render(console, attribution, options.Top);
                }
            }
            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or FormatException)
        {
            await stderr.WriteLineAsync($"scan failed: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failed;
        }
    }
}
