using System.Diagnostics;
using GuestAssist.Guest.ProcFs;
using GuestAssist.Guest.Throttling;

namespace GuestAssist.Guest.Tests.Throttling;

/// <summary>A child to throttle: `sleep` (idle) or a busy shell loop; killed on dispose (after a SIGCONT, so it can die).</summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;

    private ChildProcess(Process process) => _process = process;

    public int Pid => _process.Id;

    public static ChildProcess Sleeping() => Start("sleep", "1000");

    public static ChildProcess Busy() => Start("sh", "-c", "while :; do :; done");

    public static ChildProcess Shell(string script) => Start("sh", "-c", script);

    /// <summary>The state letter of /proc/PID/stat: 'T' when stopped.</summary>
    public char State => ProcessIdentity.TryRead(ProcFsPaths.Live, Pid, out _, out var stat) ? stat.State : '?';

    public bool IsStopped => State is 'T' or 't';

    /// <summary>utime + stime in clock ticks.</summary>
    public long CpuTicks => ProcessIdentity.TryRead(ProcFsPaths.Live, Pid, out _, out var stat) ? stat.CpuTicks : throw new InvalidOperationException($"child {Pid} is gone");

    public ProcessIdentity Identity => ProcessIdentity.TryRead(ProcFsPaths.Live, Pid, out var identity, out _) ? identity : throw new InvalidOperationException($"child {Pid} is gone");

    public void Dispose()
    {
        try
        {
            GuestAssist.Linux.Processes.ProcessSignals.Continue(Pid);
            _process.Kill();
            _process.WaitForExit();
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }

    private static ChildProcess Start(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        return new ChildProcess(Process.Start(info) ?? throw new InvalidOperationException($"{file} did not start"));
    }
}
