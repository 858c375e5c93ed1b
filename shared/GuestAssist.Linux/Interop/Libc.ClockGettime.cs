using System.Runtime.InteropServices;

namespace GuestAssist.Linux.Interop;

internal static partial class Libc
{
    internal const int CLOCK_MONOTONIC = 1;

    [LibraryImport(Name, EntryPoint = "clock_gettime", SetLastError = true)]
    internal static partial int ClockGettime(int clock, out TimeSpec time);
}
