using GuestAssist.Linux.Interop;

namespace GuestAssist.Linux.Threading;

/// <summary>
/// Per-thread nice values. Bulk work (the background page stream) runs niced so that latency-critical threads
/// (demand faults) win the CPU on small machines; .NET's Thread.Priority does nothing on Linux.
/// </summary>
internal static class ThreadNice
{
    private const nint SysGettid = 186;

    /// <summary>Nice value for bulk transfer threads.</summary>
    public const int Bulk = 10;

    /// <summary>Nice value for threads a blocked vCPU waits on (needs CAP_SYS_NICE; callers treat failure as harmless).</summary>
    public const int LatencyCritical = -5;

    /// <summary>The calling thread's kernel thread id.</summary>
    public static int CurrentThreadId() => (int)Libc.Syscall(SysGettid, 0, 0, 0);

    /// <summary>Sets the calling thread's nice value (-20..19); false when the kernel refuses (e.g. raising priority unprivileged).</summary>
    public static bool TrySetCurrent(int nice) =>
        Libc.SetPriority(Libc.PrioProcess, (uint)CurrentThreadId(), Math.Clamp(nice, -20, 19)) == 0;
}
