using GuestAssist.Linux.Errors;
using GuestAssist.Linux.Interop;

namespace GuestAssist.Linux.Processes;

/// <summary>
/// The signals throttling uses. A process that has exited is an expected outcome (false), not an error;
/// a refused signal (EPERM) throws with the pid.
/// </summary>
internal static class ProcessSignals
{
    /// <summary>SIGSTOP: the process stops until <see cref="Continue"/>.</summary>
    public static bool Stop(int pid) => Send(pid, Libc.SigStop, "SIGSTOP");

    /// <summary>SIGCONT: a stopped process runs again; harmless for a running one.</summary>
    public static bool Continue(int pid) => Send(pid, Libc.SigCont, "SIGCONT");

    /// <summary>SIGTERM: asks the process to shut down.</summary>
    public static bool Terminate(int pid) => Send(pid, Libc.SigTerm, "SIGTERM");

    private static bool Send(int pid, int signal, string name)
    {
        if (pid <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(pid), pid, "a process id is positive (0 and negatives address process groups)");
        }
        if (Libc.Kill(pid, signal) == 0)
        {
            return true;
        }
        var errno = LinuxException.LastErrno();
        return errno == Errno.ESRCH ? false : throw new LinuxException(errno, "kill", detail: $"{name} to pid {pid}");
    }
}
