using System.Runtime.InteropServices;

namespace GuestAssist.Linux.Interop;

internal static partial class Libc
{
    // glibc >= 2.34 exports openpty from libc itself. name must hold at least PATH_MAX bytes or be null.
    [LibraryImport(Name, EntryPoint = "openpty", SetLastError = true)]
    internal static unsafe partial int OpenPty(int* controller, int* terminal, byte* name, void* termios, void* windowSize);
}
