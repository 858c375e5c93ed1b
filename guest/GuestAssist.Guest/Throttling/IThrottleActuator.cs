namespace GuestAssist.Guest.Throttling;

/// <summary>
/// What holds a throttled process to its duty (the fraction of time it may run): SIGSTOP/SIGCONT or cgroup-freezer
/// duty cycling (<see cref="DutyCycler"/>), or a cgroup CPU bandwidth limit (<see cref="CgroupCpuLimiter"/>). Each
/// journals a process before it first limits it and undoes the limit before it leaves the journal.
/// </summary>
public interface IThrottleActuator : IDisposable
{
    /// <summary>Name for status and logs: "sigstop", "cgroup-v2-freeze", "cgroup-v1-cpu", ….</summary>
    string Name { get; }

    void Configure(TimeSpan period, TimeSpan maxStop);

    /// <summary>Runs <paramref name="process"/> <paramref name="duty"/> of the time (0 &lt; duty ≤ 1; 1 releases it).</summary>
    void Set(ProcessIdentity process, double duty);

    double? DutyOf(int pid);

    IReadOnlyList<(ProcessIdentity Process, double Duty)> Targets();

    /// <summary>Undoes the limit and forgets the process.</summary>
    void Release(int pid);

    int ReleaseAll();
}
