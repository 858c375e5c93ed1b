using System.CommandLine;
using GuestAssist.Agent.Configuration;
using GuestAssist.Agent.Serving;
using GuestAssist.Linux.Transports;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace GuestAssist.Agent.Commands;

/// <summary>`guestassist-agent serve`: the daemon (systemd runs `serve --listen vsock:5000`).</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var listen = new Option<string[]>("--listen")
        {
            Description = "Address to serve (repeatable): vsock:PORT, unix:/path, tcp:127.0.0.1:PORT, hybrid-listen:/uds:PORT, serial:NAME. Default vsock:5000.",
        };
        var config = new Option<string?>("--config") { Description = $"Config file (key = value, or .json). Default {AgentConfigurationSources.DefaultConfigFile} then {AgentConfigurationSources.DefaultJsonConfigFile}." };
        var kernelCmdline = new Option<string?>("--kernel-cmdline") { Description = "Where to read the kernel command line from.", Hidden = true };
        var heatWindow = new Option<int?>("--heat-window-ms") { Description = "Idle-tracking window for heat, in milliseconds." };
        var chunkBytes = new Option<int?>("--chunk-bytes") { Description = "Default encoded bytes per memory-map chunk." };
        var maxQueued = new Option<int?>("--max-queued-scans") { Description = "Map requests allowed to wait behind a running scan (more get BUSY)." };
        var vsockPeers = new Option<string?>("--vsock-peers") { Description = "Vsock peers to accept: host (default), any, or CIDs like 2,3." };
        var procRoot = new Option<string?>("--proc-root") { Description = "Where procfs is mounted.", Hidden = true };
        var sysRoot = new Option<string?>("--sys-root") { Description = "Where sysfs is mounted.", Hidden = true };
        var logLevel = new Option<string?>("--log-level") { Description = "Lowest level logged to stderr: trace, debug, information (default), warning, error, critical, none." };
        var verbose = new Option<bool>("--verbose") { Description = "Log every request (--log-level debug)." };

        var command = new Command("serve", "Run the agent daemon: answer the host's requests on every listen address.");
        foreach (var option in new Option[] { listen, config, kernelCmdline, heatWindow, chunkBytes, maxQueued, vsockPeers, procRoot, sysRoot, logLevel, verbose })
        {
            command.Options.Add(option);
        }
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var flags = new List<KeyValuePair<string, string>>();
            if (parseResult.GetValue(listen) is { Length: > 0 } addresses)
            {
                flags.Add(new(AgentSettingKeys.Listen, string.Join(',', addresses)));
            }
            AddIfSet(flags, AgentSettingKeys.HeatWindowMs, parseResult.GetValue(heatWindow));
            AddIfSet(flags, AgentSettingKeys.ChunkBytes, parseResult.GetValue(chunkBytes));
            AddIfSet(flags, AgentSettingKeys.MaxQueuedScans, parseResult.GetValue(maxQueued));
            AddIfSet(flags, AgentSettingKeys.VsockPeers, parseResult.GetValue(vsockPeers));
            AddIfSet(flags, AgentSettingKeys.ProcRoot, parseResult.GetValue(procRoot));
            AddIfSet(flags, AgentSettingKeys.SysRoot, parseResult.GetValue(sysRoot));
            AddIfSet(flags, AgentSettingKeys.LogLevel, parseResult.GetValue(verbose) ? "debug" : parseResult.GetValue(logLevel));

            AgentSettings settings;
            try
            {
                settings = AgentConfigurationLoader.Load(
                    AgentConfigurationSources.ForThisMachine(parseResult.GetValue(config), parseResult.GetValue(kernelCmdline)),
                    flags);
            }
            catch (AgentConfigurationException ex)
            {
                await Console.Error.WriteLineAsync($"serve: configuration: {ex.Message}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }
            var mapSource = MemoryMapSources.Create(settings);
            using var ownedSource = mapSource as IDisposable;
            // Every log line goes to stderr (the journal under systemd), stdout stays for what a command prints.
            var plain = Console.IsErrorRedirected || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
            using var host = AgentHost.Build(settings.ToServingOptions(), mapSource, logging => logging
                .SetMinimumLevel(settings.LogLevel)
                // The host logs a failed start with its exception and stack trace; serve reports it itself, in one line.
                .AddFilter("Microsoft.Extensions.Hosting", LogLevel.None)
                .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
                .AddSimpleConsole(o =>
                {
                    o.SingleLine = true;
                    o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                    o.UseUtcTimestamp = true;
                    o.ColorBehavior = plain ? LoggerColorBehavior.Disabled : LoggerColorBehavior.Default;
                }));
            foreach (var warning in settings.Warnings)
            {
                await Console.Error.WriteLineAsync($"serve: configuration: {warning}").ConfigureAwait(false);
            }
            AgentHost.LogOffer(host);
            try
            {
                await host.RunAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (TransportException ex)
            {
                await Console.Error.WriteLineAsync($"serve: cannot listen: {ex.Message}").ConfigureAwait(false);
                return ExitCodes.Unavailable;
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void AddIfSet<T>(List<KeyValuePair<string, string>> flags, string key, T? value)
    {
        if (value is not null)
        {
            flags.Add(new(key, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!));
        }
    }
}
