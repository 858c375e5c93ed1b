using System.Diagnostics;
using System.Globalization;
using GuestAssist.Guest.ProcFs;
using GuestAssist.Guest.Throttling;

namespace GuestAssist.Agent.Serving;

/// <summary>The sentinel process (`guestassist-agent sentinel`): started with the first throttle, stopped at a clean shutdown.</summary>
internal sealed class ThrottleSentinel : IDisposable
{
    /// <summary>What the sentinel prints on stdout once it watches the agent.</summary>
    public const string ReadyLine = "watching";

    /// <summary>How long the first throttle waits for the sentinel to say it watches.</summary>
    public static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(5);

    private readonly Process _process;

    private ThrottleSentinel(Process process) => _process = process;

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>
    /// Starts a sentinel watching this process: <paramref name="command"/> (executable, then leading arguments)
    /// or, when null, this agent's own executable, and waits until it says it watches (a process spawned is not yet
    /// one watching: a loaded machine may take a second to start it). Null (and why) when it cannot be started or
    /// exits; a sentinel that is slow to answer is kept, with <paramref name="failure"/> saying so.
    /// </summary>
    public static ThrottleSentinel? TryStart(string journalPath, IReadOnlyList<string>? command, out string? failure)
    {
        failure = null;
        if (!ProcessIdentity.TryRead(ProcFsPaths.Live, Environment.ProcessId, out var self, out _))
        {
            failure = "cannot read this process's start time";
            return null;
        }
        command ??= AgentExecutable.Command();
        if (command is null or { Count: 0 })
        {
            failure = "this process is not guestassist-agent and no sentinel command is configured";
            return null;
        }
        var info = new ProcessStartInfo(command[0]) { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true };
        foreach (var argument in command.Skip(1))
        {
            info.ArgumentList.Add(argument);
        }
        info.ArgumentList.Add("sentinel");
        info.ArgumentList.Add("--journal");
        info.ArgumentList.Add(journalPath);
        info.ArgumentList.Add("--agent");
        info.ArgumentList.Add(string.Create(CultureInfo.InvariantCulture, $"{self.Pid}:{self.StartTicks}"));
        ThrottleSentinel sentinel;
        try
        {
            sentinel = new ThrottleSentinel(Process.Start(info) ?? throw new InvalidOperationException("no process"));
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            failure = e.Message;
            return null;
        }
        var ready = sentinel._process.StandardOutput.ReadLineAsync();
        if (!ready.Wait(ReadyTimeout))
        {
            failure = $"the sentinel (pid {sentinel.Pid}) did not say it watches within {ReadyTimeout.TotalSeconds:0} s; it is kept";
            return sentinel;
        }
        if (ready.Result != ReadyLine)
        {
            failure = ready.Result is null ? "the sentinel exited as it started" : $"the sentinel said \"{ready.Result}\", not \"{ReadyLine}\"";
            sentinel.Dispose();
            return null;
        }
        return sentinel;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(2000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }
}
