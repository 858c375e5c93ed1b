using System.CommandLine;
using System.Globalization;
using GuestAssist.Guest.ProcFs;
using GuestAssist.Agent.Serving;
using GuestAssist.Guest.Throttling;

namespace GuestAssist.Agent.Commands;

/// <summary>
/// `guestassist-agent sentinel`: started by the agent when it first throttles. It does nothing but watch the
/// agent; the moment the agent is gone for whatever reason (SIGKILL included) it continues every process in the
/// throttle journal and exits. A clean agent shutdown releases everything itself and then stops the sentinel.
/// </summary>
internal static class SentinelCommand
{
    public static Command Create()
    {
        var journal = new Option<string>("--journal") { Description = "The throttle journal to replay.", Required = true };
        var agent = new Option<string>("--agent") { Description = "The agent to watch: PID:STARTTICKS (from /proc/PID/stat).", Required = true };
        var command = new Command("sentinel", "Watch the agent and continue every throttled process if it dies (started by the agent).") { Hidden = true };
        command.Options.Add(journal);
        command.Options.Add(agent);
        command.SetAction((parse, cancellationToken) =>
        {
            var parts = parse.GetValue(agent)!.Split(':');
            if (parts.Length != 2
                || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                || !ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var start))
            {
                Console.Error.WriteLine("sentinel: --agent takes PID:STARTTICKS");
                return Task.FromResult(2);
            }
            var watched = new ProcessIdentity(pid, start);
            var paths = ProcFsPaths.Live;
            // The agent waits for this line before its first stop: from here on its death is seen within 20 ms.
            Console.Out.WriteLine(ThrottleSentinel.ReadyLine);
            Console.Out.Flush();
            while (!cancellationToken.IsCancellationRequested && watched.IsAlive(paths))
            {
                Thread.Sleep(20);
            }
            if (cancellationToken.IsCancellationRequested)
            {
                // SIGTERM: systemd stopping the unit's leftovers after the agent died, or a shutdown. Continue
                // everything on the way out (harmless if the agent lives on) but keep the journal for its restart.
                ThrottleJournal.Replay(parse.GetValue(journal)!, paths, keep: true);
                return Task.FromResult(0);
            }
            var resumed = ThrottleJournal.Replay(parse.GetValue(journal)!, paths);
            Console.Error.WriteLine($"sentinel: agent pid {pid} is gone; continued {resumed} throttled process(es)");
            return Task.FromResult(0);
        });
        return command;
    }
}
