using System.Runtime.InteropServices;

namespace GuestAssist.Linux.Interop;

internal static partial class Libc
{
    internal const int SchedOther = 0;

    internal const int SchedFifo = 1;

    // struct sched_param is one int, the priority; with a thread id the policy applies to that one thread.
    [LibraryImport(Name, EntryPoint = "sched_setscheduler", SetLastError = true)]
    internal static partial int SchedSetScheduler(int pid, int policy, in int priority);
}
