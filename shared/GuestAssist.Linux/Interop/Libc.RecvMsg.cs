using System.Runtime.InteropServices;
using GuestAssist.Linux.Errors;

namespace GuestAssist.Linux.Interop;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "recvmsg", SetLastError = true)]
    private static unsafe partial nint RecvMsgOnce(SafeHandle fd, MessageHeader* message, int flags);

    /// <summary>recvmsg(2), EINTR retried; -1 with errno set on failure.</summary>
    internal static unsafe nint RecvMsg(SafeHandle fd, MessageHeader* message, int flags)
    {
        nint result;
        while ((result = RecvMsgOnce(fd, message, flags)) < 0 && LinuxException.LastErrno() == Errno.EINTR)
        {
        }
        return result;
    }
}
