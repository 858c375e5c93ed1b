using System.CommandLine;
using GuestAssist.Agent.Commands;
using GuestAssist.Linux.Processes;

// Invariant 5: the agent must not dirty much guest memory itself. With THP, khugepaged would collapse its heap
// (2 MiB copied into new frames: the rig saw 512 pages "written" in one watch where the agent wrote ~80).
TransparentHugePages.DisableForThisProcess();
// A one-vCPU guest gets a thread pool of one: a running scan would hold heartbeats and DirtyFrames until it ends.
ThreadPool.GetMinThreads(out var workers, out var completions);
ThreadPool.SetMinThreads(Math.Max(workers, 4), Math.Max(completions, 4));

var root = new RootCommand($"guestassist-agent: GuestAssist guest agent (memory enlightenment for fast VM eviction). {CommandLine.ExitCodesHelp}");
root.Subcommands.Add(ScanCommand.Create());
root.Subcommands.Add(ServeCommand.Create());
root.Subcommands.Add(SentinelCommand.Create());
foreach (var command in BenchThrottleCommand.Create())
{
    root.Subcommands.Add(command);
}
return await CommandLine.RunAsync("guestassist-agent", root, args, Console.Error).ConfigureAwait(false);
