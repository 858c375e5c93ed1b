using System.Runtime.InteropServices;

namespace GuestAssist.Linux.Interop;

internal static partial class Libc
{
    internal const int SigTerm = 15;
    internal const int SigCont = 18;
    internal const int SigStop = 19;

    [LibraryImport(Name, EntryPoint = "kill", SetLastError = true)]
    internal static partial int Kill(int pid, int signal);
}
