using System.Runtime.InteropServices;

namespace GuestAssist.Linux.Interop;

internal static partial class Libc
{
    internal const int FALLOC_FL_KEEP_SIZE = 0x01;
    internal const int FALLOC_FL_PUNCH_HOLE = 0x02;

    [LibraryImport(Name, EntryPoint = "fallocate", SetLastError = true)]
    internal static partial int Fallocate(SafeHandle fd, int mode, long offset, long length);
}
