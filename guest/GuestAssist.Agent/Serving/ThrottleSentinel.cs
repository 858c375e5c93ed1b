using System.Diagnostics;
using System.Globalization;
using GuestAssist.Guest.ProcFs;
using GuestAssist.Guest.Throttling;

namespace GuestAssist.Agent.Serving;

/// <summary>The sentinel process (`guestassist-agent sentinel`): started with the first throttle, stopped at a clean shutdown.</summary>
internal sealed class ThrottleSentinel : IDisposable
{
    private readonly Process _process;

    private ThrottleSentinel(Process process) => _process = process;

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>
    /// Starts a sentinel watching this process: <paramref name="command"/> (executable, then leading arguments)
    /// or, when null, this agent's own executable. Null (and why) when it cannot be started.
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
        var info = new ProcessStartInfo(command[0]) { UseShellExecute = false, RedirectStandardInput = true };
        foreach (var argument in command.Skip(1))
        {
            info.ArgumentList.Add(argument);
        }
        info.ArgumentList.Add("sentinel");
        info.ArgumentList.Add("--journal");
        info.ArgumentList.Add(journalPath);
        info.ArgumentList.Add("--agent");
        info.ArgumentList.Add(string.Create(CultureInfo.InvariantCulture, $"{self.Pid}:{self.StartTicks}"));
        try
        {
            return new ThrottleSentinel(Process.Start(info) ?? throw new InvalidOperationException("no process"));
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            failure = e.Message;
            return null;
        }
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
