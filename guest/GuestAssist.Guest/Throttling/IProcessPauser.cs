namespace GuestAssist.Guest.Throttling;

/// <summary>How <see cref="DutyCycler"/> pauses and resumes one process.</summary>
public interface IProcessPauser
{
    string Name { get; }

    /// <summary>Before the first pause: journals the process (and whatever undoing the pause needs).</summary>
    void Attach(ProcessIdentity process, ThrottleJournal journal);

    /// <summary>False when the process is gone.</summary>
    bool Pause(int pid);

    void Resume(int pid);

    /// <summary>After the last resume: undoes what <see cref="Attach"/> did and leaves the journal.</summary>
    void Detach(int pid, ThrottleJournal journal);
}
