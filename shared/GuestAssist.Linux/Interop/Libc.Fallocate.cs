using System.Runtime.InteropServices;
using GuestAssist.Linux.Errors;

namespace GuestAssist.Linux.Interop;

internal static partial class Libc
{
    internal const int FALLOC_FL_KEEP_SIZE = 0x01;
    internal const int FALLOC_FL_PUNCH_HOLE = 0x02;

    [LibraryImport(Name, EntryPoint = "fallocate", SetLastError = true)]
    private static partial int FallocateOnce(SafeHandle fd, int mode, long offset, long length);

    /// <summary>fallocate(2), EINTR retried; -1 with errno set on failure.</summary>
    internal static int Fallocate(SafeHandle fd, int mode, long offset, long length)
    {
        int result;
        while ((result = FallocateOnce(fd, mode, offset, length)) < 0 && LinuxException.LastErrno() == Errno.EINTR)
        {
        }
        return result;
    }
}
