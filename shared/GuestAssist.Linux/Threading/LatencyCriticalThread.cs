using GuestAssist.Linux.Interop;

namespace GuestAssist.Linux.Threading;

/// <summary>
/// Raises the calling thread above ordinary work: a thread a stopped vCPU waits on (the destination's fault server,
/// the channel that brings requested pages, the source's request handler). On a busy host a niced-up thread still
/// waits its turn behind whatever runs, a few milliseconds per wake-up, and a demand fault needs three such wake-ups;
/// the lowest real-time priority (SCHED_FIFO 1) is run at once, stays below any real-time vCPU a host may have, and
/// these threads only ever block between short bursts. Without CAP_SYS_NICE, or with GUESTASSIST_REALTIME=0, the
/// thread gets nice -5 instead.
/// </summary>
internal static class LatencyCriticalThread
{
    public const string DisableVariable = "GUESTASSIST_REALTIME";

    public const int RealTimePriority = 1;

    /// <summary>How the calling thread was raised: "SCHED_FIFO 1", "nice -5", or "unchanged".</summary>
    public static string Enter()
    {
        if (Environment.GetEnvironmentVariable(DisableVariable) != "0"
            && Libc.SchedSetScheduler(ThreadNice.CurrentThreadId(), Libc.SchedFifo, RealTimePriority) == 0)
        {
            return $"SCHED_FIFO {RealTimePriority}";
        }
        return ThreadNice.TrySetCurrent(ThreadNice.LatencyCritical) ? $"nice {ThreadNice.LatencyCritical}" : "unchanged";
    }
}
