using System.CommandLine;
using System.Globalization;
using GuestAssist.Cli.Commands.Json;
using GuestAssist.Host.Agent;
using GuestAssist.Protocol.V1;
using Spectre.Console;

namespace GuestAssist.Cli.Commands;

/// <summary>`guestassist agent status --connect ADDR`.</summary>
internal static class AgentStatusCommand
{
    public static Command Create()
    {
        var connect = AgentCommand.ConnectOption();
        var json = new Option<bool>("--json") { Description = "Print the status as JSON (snake_case)." };
        var command = new Command("status", "Handshake with an agent and show its status, capabilities and degradations.");
        command.Options.Add(connect);
        command.Options.Add(json);
        command.SetAction((parseResult, cancellationToken) =>
            AgentCommandRunner.RunAsync(parseResult.GetValue(connect)!, Console.Error, async client =>
            {
                var status = await client.GetStatusAsync(cancellationToken).ConfigureAwait(false);
                if (parseResult.GetValue(json))
                {
                    JsonOutput.Write(Console.Out, ToJson(client.Peer, client.Session.Version, client.Session.Capabilities, status), CliJsonContext.Default.AgentStatusJson);
                }
                else
                {
                    Render(TerminalConsole.ForStandardOutput(), client, status);
                }
                return ExitCodes.Ok;
            }, cancellationToken));
        return command;
    }

    internal static AgentStatusJson ToJson(string peer, uint protocolVersion, IEnumerable<string> negotiated, AgentStatus status) => new(
        peer,
        status.Software,
        protocolVersion,
        status.UptimeNs,
        status.GuestMonotonicNs,
        status.PageSize,
        status.RamFrames,
        [.. status.Capabilities],
        [.. negotiated],
        status.ActiveEvictionSession,
        status.ThrottledProcesses,
        Throttled(status.Throttle),
        [.. status.Degraded]);

    internal static IReadOnlyList<ThrottledProcessJson> Throttled(ThrottleStatus? status) =>
        [.. (status?.Processes ?? []).Select(p => new ThrottledProcessJson(p.Pid, p.Command, p.Duty, p.DirtyBytesPerSecond, p.Method.ToString()))];

    internal static void Render(IAnsiConsole console, AgentClient client, AgentStatus status)
    {
        var table = new Table().Title($"agent {Markup.Escape(client.Peer)}").AddColumn("field").AddColumn("value");
        void Row(string field, string value) => table.AddRow(Markup.Escape(field), Markup.Escape(value));
        Row("software", status.Software);
        Row("protocol", string.Create(CultureInfo.InvariantCulture, $"v{client.Session.Version}"));
        Row("uptime", TimeSpan.FromTicks((long)(status.UptimeNs / 100)).ToString(@"d\.hh\:mm\:ss", CultureInfo.InvariantCulture));
        Row("guest monotonic", string.Create(CultureInfo.InvariantCulture, $"{status.GuestMonotonicNs} ns"));
        Row("page size", string.Create(CultureInfo.InvariantCulture, $"{status.PageSize} B"));
        Row("RAM", string.Create(CultureInfo.InvariantCulture, $"{status.RamFrames} frames ({Mib(status.RamFrames, status.PageSize):F1} MiB)"));
        Row("agent capabilities", string.Join(", ", status.Capabilities));
        Row("negotiated", string.Join(", ", client.Session.Capabilities));
        Row("eviction session", status.ActiveEvictionSession == 0 ? "none" : status.ActiveEvictionSession.ToString(CultureInfo.InvariantCulture));
        Row("throttled processes", status.ThrottledProcesses.ToString(CultureInfo.InvariantCulture));
        foreach (var process in status.Throttle?.Processes ?? [])
        {
            Row("throttled", string.Create(CultureInfo.InvariantCulture,
                $"pid {process.Pid} {process.Command}: duty {process.Duty:P1}, dirtying {process.DirtyBytesPerSecond / (1024 * 1024):F1} MiB/s ({process.Method}, held by {process.Actuator})"));
        }
        foreach (var line in status.Degraded)
        {
            Row("degraded", line);
        }
        console.Write(table);
    }

    internal static double Mib(ulong frames, uint pageSize) => frames * (double)pageSize / (1024 * 1024);
}
