using System.Runtime.InteropServices;

namespace GuestAssist.Linux.Interop;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "syscall", SetLastError = true)]
    internal static partial nint Syscall(nint number, nint a1, nint a2, nint a3);
}
