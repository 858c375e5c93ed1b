using System.CommandLine;
using System.Globalization;
using GuestAssist.Cli.Commands.Json;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Cli.Commands;

/// <summary>
/// `guestassist agent throttle --connect ADDR --budget-mib N --seconds S`: an eviction session that only throttles,
/// showing live who is throttled, at what duty and why; ended (and every process released) when S is up or on Ctrl-C.
/// </summary>
internal static class AgentThrottleCommand
{
    public static Command Create()
    {
        var connect = AgentCommand.ConnectOption();
        var budget = new Option<double>("--budget-mib") { Description = "Dirty budget the migration can absorb, MiB/s.", DefaultValueFactory = _ => 100 };
        var seconds = new Option<int>("--seconds") { Description = "How long to hold the policy.", DefaultValueFactory = _ => 30 };
        var protect = new Option<int[]>("--protect") { Description = "Pids never to throttle (repeatable).", AllowMultipleArgumentsPerToken = true };
        var json = new Option<bool>("--json") { Description = "Print JSON Lines (snake_case): started, a status every second, ended." };
        var method = new Option<string>("--method")
        {
            Description = "What holds a rogue to its duty: sigstop (SIGSTOP/SIGCONT), cgroup-cpu (a CPU bandwidth limit in its own cgroup), cgroup-freeze (freezer duty cycling).",
            DefaultValueFactory = _ => "sigstop",
        };
        method.AcceptOnlyFromAmong("sigstop", "cgroup-cpu", "cgroup-freeze");
        var command = new Command("throttle", "Hold the guest's rogue dirtiers at a dirty budget for a while and show who is throttled, live.");
        foreach (var option in new Option[] { connect, budget, seconds, protect, method, json })
        {
            command.Options.Add(option);
        }
        command.SetAction((parse, cancellationToken) =>
            AgentCommandRunner.RunAsync(parse.GetValue(connect)!, Console.Error, async client =>
            {
                var asJson = parse.GetValue(json);
                                var budgetBytes = (ulong)(parse.GetValue(budget) * 1024 * 1024);
                var session = await client.BeginEvictionAsync(new BeginEviction { Mode = EvictionMode.PostCopy, HeartbeatTimeoutMs = 5000 }, cancellationToken).ConfigureAwait(false);
                try
                {
                    var policy = new SetThrottlePolicy
                    {
                        SessionId = session.SessionId,
                        DirtyBudgetBytesPerSecond = budgetBytes,
                        Method = parse.GetValue(method) switch
                        {
                            "cgroup-cpu" => ThrottleMethod.CgroupCpu,
                            "cgroup-freeze" => ThrottleMethod.CgroupFreeze,
                            _ => ThrottleMethod.SigstopDuty,
                        },
                    };
                    policy.ProtectedPids.AddRange(parse.GetValue(protect) ?? []);
                    await client.SetThrottlePolicyAsync(policy, cancellationToken).ConfigureAwait(false);
                    if (asJson)
                    {
                        Emit(Console.Out, new ThrottleEventJson("started", session.SessionId, BudgetBytesPerSecond: budgetBytes, Seconds: parse.GetValue(seconds)));
                    }
                    else
                    {
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"session {session.SessionId}: budget {parse.GetValue(budget):F0} MiB/s for {parse.GetValue(seconds)} s"));
                    }
                    using var updates = client.ThrottleUpdates(TimeSpan.FromSeconds(1)).Subscribe(
                        status =>
                        {
                            if (asJson)
                            {
                                Emit(Console.Out, new ThrottleEventJson("status", session.SessionId, Throttled: AgentStatusCommand.Throttled(status)));
                            }
                            else
                            {
                                Console.WriteLine(Describe(status));
                            }
                        },
                        error => Console.Error.WriteLine($"agent: {error.Message}"));
                    await Task.Delay(TimeSpan.FromSeconds(parse.GetValue(seconds)), cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Ctrl-C: end the session below.
                }
                var ended = await client.EndEvictionAsync(session.SessionId, succeeded: true, CancellationToken.None).ConfigureAwait(false);
                if (asJson)
                {
                    Emit(Console.Out, new ThrottleEventJson("ended", ended.SessionId, ReleasedProcesses: ended.ReleasedProcesses));
                }
                else
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"session {ended.SessionId} ended: {ended.ReleasedProcesses} process(es) released"));
                }
                return ExitCodes.Ok;
            }, CancellationToken.None));
        return command;
    }

    // Updates arrive on the client's thread, the start and end lines on this one: one line at a time.
    private static readonly Lock EmitLock = new();

    private static void Emit(TextWriter stdout, ThrottleEventJson line)
    {
        lock (EmitLock)
        {
            JsonOutput.Write(stdout, line, CliJsonContext.Default.ThrottleEventJson, indented: false);
        }
    }

    private static string Describe(ThrottleStatus status) =>
        status.Processes.Count == 0
            ? "throttled: none"
            : "throttled: " + string.Join("; ", status.Processes.Select(p => string.Create(CultureInfo.InvariantCulture,
                $"pid {p.Pid} {p.Command} duty {p.Duty:P1} at {p.DirtyBytesPerSecond / (1024 * 1024):F1} MiB/s ({p.Method}, held by {p.Actuator})")));
}
