using GuestAssist.Linux.Processes;

namespace GuestAssist.Guest.Throttling;

/// <summary>SIGSTOP/SIGCONT: works for any process on any kernel; its parent may see the stops (waitpid WUNTRACED).</summary>
public sealed class SignalPauser : IProcessPauser
{
    public string Name => "sigstop";

    public void Attach(ProcessIdentity process, ThrottleJournal journal)
    {
        ArgumentNullException.ThrowIfNull(journal);
        journal.Add(process);
    }

    public bool Pause(int pid) => ProcessSignals.Stop(pid);

    public void Resume(int pid) => ProcessSignals.Continue(pid);

    public void Detach(int pid, ThrottleJournal journal)
    {
        ArgumentNullException.ThrowIfNull(journal);
        journal.Remove(pid);
    }
}
