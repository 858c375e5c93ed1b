using System.Runtime.InteropServices;

namespace GuestAssist.Linux.Interop;

internal static partial class Libc
{
    internal const int PrioProcess = 0;

    // With PRIO_PROCESS and a thread id, Linux applies the nice value to that one thread.
    [LibraryImport(Name, EntryPoint = "setpriority", SetLastError = true)]
    internal static partial int SetPriority(int which, uint who, int prio);
}
