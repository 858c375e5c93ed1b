using System.Runtime.InteropServices;
using GuestAssist.Linux.Errors;

namespace GuestAssist.Linux.Interop;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "sendmsg", SetLastError = true)]
    private static unsafe partial nint SendMsgOnce(SafeHandle fd, MessageHeader* message, int flags);

    /// <summary>sendmsg(2), EINTR retried; -1 with errno set on failure.</summary>
    internal static unsafe nint SendMsg(SafeHandle fd, MessageHeader* message, int flags)
    {
        nint result;
        while ((result = SendMsgOnce(fd, message, flags)) < 0 && LinuxException.LastErrno() == Errno.EINTR)
        {
        }
        return result;
    }
}
