using System.Runtime.InteropServices;
using GuestAssist.Linux.Errors;

namespace GuestAssist.Linux.Interop;

internal static partial class Libc
{
    internal const int TCSANOW = 0;

    [LibraryImport(Name, EntryPoint = "tcsetattr", SetLastError = true)]
    private static unsafe partial int TcSetAttrOnce(SafeHandle fd, int optionalActions, byte* termios);

    /// <summary>tcsetattr(3), EINTR retried; -1 with errno set on failure.</summary>
    internal static unsafe int TcSetAttr(SafeHandle fd, int optionalActions, byte* termios)
    {
        int result;
        while ((result = TcSetAttrOnce(fd, optionalActions, termios)) < 0 && LinuxException.LastErrno() == Errno.EINTR)
        {
        }
        return result;
    }
}
