using System.Runtime.InteropServices;

namespace GuestAssist.Linux.Interop;

internal static partial class Libc
{
    internal const int SEEK_DATA = 3;
    internal const int SEEK_HOLE = 4;

    [LibraryImport(Name, EntryPoint = "lseek", SetLastError = true)]
    internal static partial long Lseek(SafeHandle fd, long offset, int whence);
}
