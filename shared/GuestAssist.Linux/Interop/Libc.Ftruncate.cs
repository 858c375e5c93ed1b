using System.Runtime.InteropServices;
using GuestAssist.Linux.Errors;

namespace GuestAssist.Linux.Interop;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "ftruncate", SetLastError = true)]
    private static partial int FtruncateOnce(SafeHandle fd, long length);

    /// <summary>ftruncate(2), EINTR retried; -1 with errno set on failure.</summary>
    internal static int Ftruncate(SafeHandle fd, long length)
    {
        int result;
        while ((result = FtruncateOnce(fd, length)) < 0 && LinuxException.LastErrno() == Errno.EINTR)
        {
        }
        return result;
    }
}
