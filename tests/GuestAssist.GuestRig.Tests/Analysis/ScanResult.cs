using System.Globalization;
using System.Text.Json;
using GuestAssist.GuestRig.Tests.Scenarios;
using GuestAssist.Protocol.PageMaps;

namespace GuestAssist.GuestRig.Tests.Analysis;

/// <summary>One agent scan in a guest, as its files in /out describe it.</summary>
public sealed record ScanResult(ScanMethod Method, int ExitCode, string ErrorLine, PageClassMap? Map, KernelCounters Counters, double MapSeconds, double WallSeconds, double HeatAgentCpuSeconds = double.NaN, double HeatWindowSeconds = double.NaN, IReadOnlyDictionary<int, long>? WrittenPages = null, AgentWrites? AgentWrites = null, double HeatAgentSetupCpuSeconds = 0, double HeatAgentWatchCpuSeconds = 0, double HeatWatchedSeconds = 0)
{
    public static ScanResult Load(string outDirectory, ScanMethod method)
    {
        string File(string prefix, string extension) => Path.Combine(outDirectory, $"{prefix}-{method.Name}.{extension}");
        var exitCode = int.Parse(System.IO.File.ReadAllText(File("scan", "rc")).Trim(), CultureInfo.InvariantCulture);
        var error = System.IO.File.ReadAllText(File("scan", "err")).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
        var counters = KernelCounters.Parse(System.IO.File.ReadAllText(File("vmstat", "txt")), System.IO.File.ReadAllText(File("zoneinfo", "txt")));
        var uptime = System.IO.File.ReadAllText(File("scan", "uptime")).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var wall = double.Parse(uptime[1], CultureInfo.InvariantCulture) - double.Parse(uptime[0], CultureInfo.InvariantCulture);
        PageClassMap? map = null;
        var mapSeconds = double.NaN;
        var heatCpu = double.NaN;
        var heatWindow = double.NaN;
        var heatSetup = 0.0;
        var heatWatchCpu = 0.0;
        var heatWatched = 0.0;
        Dictionary<int, long>? written = null;
        if (exitCode == 0)
        {
            map = GuestAssist.Protocol.MapFiles.MapFile.Read(File("map", "bin")).Map;
            using var json = JsonDocument.Parse(System.IO.File.ReadAllBytes(File("scan", "json")));
            if (json.RootElement.TryGetProperty("timings", out var timings) && timings.TryGetProperty("total_seconds", out var total))
            {
                mapSeconds = total.GetDouble();
            }
            if (json.RootElement.TryGetProperty("method", out var heat)
                && heat.TryGetProperty("heat_agent_cpu_seconds", out var cpu) && heat.TryGetProperty("heat_window_seconds", out var window))
            {
                heatCpu = cpu.GetDouble();
                heatWindow = window.GetDouble();
                if (heat.TryGetProperty("heat_agent_setup_cpu_seconds", out var setup))
                {
                    heatSetup = setup.GetDouble();
                }
                if (heat.TryGetProperty("heat_agent_watch_cpu_seconds", out var watchCpu) && heat.TryGetProperty("heat_watched_seconds", out var watched))
                {
                    heatWatchCpu = watchCpu.GetDouble();
                    heatWatched = watched.GetDouble();
                }
            }
            if (json.RootElement.TryGetProperty("method", out var heatMethod) && heatMethod.TryGetProperty("writes_by_process", out var writes))
            {
                written = writes.EnumerateArray().ToDictionary(w => w.GetProperty("pid").GetInt32(), w => w.GetProperty("pages").GetInt64());
            }
        }
        var agentWrites = method.WatchAgentSeconds > 0 ? Analysis.AgentWrites.Parse(System.IO.File.ReadAllText(File("writes", "txt"))) : null;
        return new ScanResult(method, exitCode, error, map, counters, mapSeconds, wall, heatCpu, heatWindow, written, agentWrites, heatSetup, heatWatchCpu, heatWatched);
    }

    /// <summary>The agent's CPU while its access monitor watched, as a share of one vCPU over the window.</summary>
    public double HeatCpuShare => HeatWindowSeconds > 0 ? HeatAgentCpuSeconds / HeatWindowSeconds : double.NaN;

    /// <summary>
    /// The agent's CPU while monitoring as a share of one vCPU. A monitor that reports its watch on its own (DAMON) is
    /// judged by that: CPU reading it over the time it watched. Its start and its finish (mapping what it saw to
    /// frames) come once per window whatever its length, and the reported window spans both (several seconds under
    /// TCG), so they are judged on their own. Otherwise: all CPU but the start over the window asked for.
    /// </summary>
    public double MonitoringCpuShare => HeatWatchedSeconds > 0
        ? HeatAgentWatchCpuSeconds / HeatWatchedSeconds
        : Method.WindowSeconds > 0 && !double.IsNaN(HeatAgentCpuSeconds) ? (HeatAgentCpuSeconds - HeatAgentSetupCpuSeconds) / Method.WindowSeconds : double.NaN;

    /// <summary>Agent CPU after the watch (mapping what the monitor saw to frames); zero when the monitor does not split its CPU.</summary>
    public double HeatAgentFinishCpuSeconds => HeatWatchedSeconds > 0 ? Math.Max(0, HeatAgentCpuSeconds - HeatAgentSetupCpuSeconds - HeatAgentWatchCpuSeconds) : 0;

    /// <summary>Why there is no map, for test messages.</summary>
    public string Failure => $"scan {Method.Name} exited with {ExitCode}: {ErrorLine}";
}
