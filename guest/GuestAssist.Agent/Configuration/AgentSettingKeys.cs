using System.Globalization;
using GuestAssist.Linux.Transports;

namespace GuestAssist.Agent.Configuration;

/// <summary>
/// Every configuration key, spelled the same in every layer: <c>listen</c> in a file, <c>GUESTASSIST_LISTEN</c>
/// in the environment, <c>guestassist.listen</c> on the kernel command line, <c>--listen</c> on the CLI.
/// Each key parses its value or throws <see cref="FormatException"/> saying what it expected.
/// </summary>
public static class AgentSettingKeys
{
    public const string EnvironmentPrefix = "GUESTASSIST_";

    public const string KernelPrefix = "guestassist.";

    public const string Listen = "listen";
    public const string HeatWindowMs = "heat_window_ms";
    public const string Heat = "heat";
    public const string DamonSampleMs = "damon_sample_ms";
    public const string DamonMaxRegions = "damon_max_regions";
    public const string DamonVaddrTargets = "damon_vaddr_targets";
    public const string ChunkBytes = "chunk_bytes";
    public const string MaxQueuedScans = "max_queued_scans";
    public const string MaxConnections = "max_connections";
    public const string ProcRoot = "proc_root";
    public const string ThrottleJournal = "throttle_journal";
    public const string SysRoot = "sys_root";
    public const string VsockPeers = "vsock_peers";
    public const string IdleTimeoutS = "idle_timeout_s";
    public const string LogLevel = "log_level";

    /// <summary>Environment variables with the prefix that other parts read directly (not configuration keys).</summary>
    internal static readonly IReadOnlySet<string> EnvironmentOnly = new HashSet<string>(StringComparer.Ordinal)
    {
        Guest.Heat.DamonMonitor.DisableVariable, "GUESTASSIST_TRANSFER_SECRET",
    };

    /// <summary>Values of <see cref="LogLevel"/>: the Microsoft.Extensions.Logging levels, lower case, plus the short forms.</summary>
    public static readonly IReadOnlyDictionary<string, Microsoft.Extensions.Logging.LogLevel> LogLevels =
        new Dictionary<string, Microsoft.Extensions.Logging.LogLevel>(StringComparer.OrdinalIgnoreCase)
        {
            ["trace"] = Microsoft.Extensions.Logging.LogLevel.Trace,
            ["debug"] = Microsoft.Extensions.Logging.LogLevel.Debug,
            ["information"] = Microsoft.Extensions.Logging.LogLevel.Information,
            ["info"] = Microsoft.Extensions.Logging.LogLevel.Information,
            ["warning"] = Microsoft.Extensions.Logging.LogLevel.Warning,
            ["warn"] = Microsoft.Extensions.Logging.LogLevel.Warning,
            ["error"] = Microsoft.Extensions.Logging.LogLevel.Error,
            ["critical"] = Microsoft.Extensions.Logging.LogLevel.Critical,
            ["none"] = Microsoft.Extensions.Logging.LogLevel.None,
        };

    private static readonly Dictionary<string, Func<AgentSettings, string, AgentSettings>> Appliers = new(StringComparer.Ordinal)
    {
        [Listen] = (s, v) => s with { Listen = ParseListen(v) },
        [HeatWindowMs] = (s, v) => s with { HeatWindow = TimeSpan.FromMilliseconds(ParseInt(v, 0, 600_000)) },
        [Heat] = (s, v) => s with { Heat = GuestAssist.Guest.Heat.HeatMonitorSelector.Names.Contains(v) ? v : throw new FormatException($"expected one of {string.Join(", ", GuestAssist.Guest.Heat.HeatMonitorSelector.Names)}, got \"{v}\"") },
        [DamonSampleMs] = (s, v) => s with { Damon = s.Damon with { Sample = TimeSpan.FromMilliseconds(ParseInt(v, 1, 10_000)) } },
        [DamonMaxRegions] = (s, v) => s with { Damon = s.Damon with { MaxRegions = ParseInt(v, 10, 100_000), MinRegions = Math.Min(s.Damon.MinRegions, ParseInt(v, 10, 100_000)) } },
        [DamonVaddrTargets] = (s, v) => s with { Damon = s.Damon with { VirtualTargets = ParseInt(v, 0, 16) } },
        [ChunkBytes] = (s, v) => s with { ChunkBytes = ParseInt(v, 32, 1024 * 1024) },
        [MaxQueuedScans] = (s, v) => s with { MaxQueuedScans = ParseInt(v, 0, 1024) },
        [MaxConnections] = (s, v) => s with { MaxConnections = ParseInt(v, 1, 65_536) },
        [ProcRoot] = (s, v) => s with { ProcRoot = ParsePath(v) },
        [ThrottleJournal] = (s, v) => s with { ThrottleJournal = ParsePath(v) },
        [SysRoot] = (s, v) => s with { SysRoot = ParsePath(v) },
        [VsockPeers] = (s, v) => s with { VsockPeerCids = ParsePeers(v) },
        [IdleTimeoutS] = (s, v) => s with { IdleTimeout = TimeSpan.FromSeconds(ParseInt(v, 0, 86_400)) },
        [LogLevel] = (s, v) => s with
        {
            LogLevel = LogLevels.TryGetValue(v, out var level) ? level : throw new FormatException($"expected one of trace, debug, information, warning, error, critical, none, got \"{v}\""),
        },
    };

    public static IReadOnlyCollection<string> All => Appliers.Keys;

    /// <summary>"Heat-Window-MS" → "heat_window_ms".</summary>
    public static string Normalize(string key) => key.Trim().ToLowerInvariant().Replace('-', '_');

    public static bool IsKnown(string key) => Appliers.ContainsKey(Normalize(key));

    internal static AgentSettings Apply(AgentSettings settings, string key, string value) =>
        Appliers.TryGetValue(Normalize(key), out var apply)
            ? apply(settings, value.Trim())
            : throw new FormatException($"unknown key \"{key}\" (known: {string.Join(", ", All)})");

    /// <summary>Comma-separated addresses; the whole list replaces the previous layer's.</summary>
    private static TransportAddress[] ParseListen(string value)
    {
        var parts = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0)
        {
            throw new FormatException("listen needs at least one address");
        }
        return [.. parts.Select(p => TransportAddress.TryParse(p, out var address)
            ? address
            : throw new FormatException(TransportAddressMessage(p)))];
    }

    private static string TransportAddressMessage(string text)
    {
        try
        {
            TransportAddress.Parse(text);
            return $"\"{text}\" is not an address";
        }
        catch (TransportAddressFormatException ex)
        {
            return ex.Message;
        }
    }

    private static int ParseInt(string value, int min, int max) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed >= min && parsed <= max
            ? parsed
            : throw new FormatException($"\"{value}\" is not a whole number in {min}..{max}");

    private static string ParsePath(string value) =>
        value.StartsWith('/') ? value : throw new FormatException($"\"{value}\" is not an absolute path");

    /// <summary>"any", "host", or comma-separated CIDs.</summary>
    private static uint[]? ParsePeers(string value)
    {
        if (value.Equals("any", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        if (value.Equals("host", StringComparison.OrdinalIgnoreCase))
        {
            return [Linux.Vsock.VsockCid.Host];
        }
        return [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => uint.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var cid)
                ? cid
                : throw new FormatException($"\"{p}\" is not a vsock CID (expected any, host or CIDs like 2,3)"))];
    }
}
