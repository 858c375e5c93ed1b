using System.Runtime.InteropServices;
using GuestAssist.Linux.Errors;

namespace GuestAssist.Linux.Interop;

internal static partial class Libc
{
    internal const int EPOLL_CLOEXEC = 0x80000;
    internal const int EPOLL_CTL_ADD = 1;

    [LibraryImport(Name, EntryPoint = "epoll_create1", SetLastError = true)]
    internal static partial FileDescriptorHandle EpollCreate1(int flags);

    [LibraryImport(Name, EntryPoint = "epoll_ctl", SetLastError = true)]
    internal static unsafe partial int EpollCtl(SafeHandle epoll, int operation, SafeHandle fd, EpollEvent* ev);

    [LibraryImport(Name, EntryPoint = "epoll_wait", SetLastError = true)]
    private static unsafe partial int EpollWaitOnce(SafeHandle epoll, EpollEvent* events, int maxEvents, int timeoutMilliseconds);

    /// <summary>epoll_wait(2), EINTR retried (with the full timeout again); -1 with errno set on failure.</summary>
    internal static unsafe int EpollWait(SafeHandle epoll, EpollEvent* events, int maxEvents, int timeoutMilliseconds)
    {
        int result;
        while ((result = EpollWaitOnce(epoll, events, maxEvents, timeoutMilliseconds)) < 0 && LinuxException.LastErrno() == Errno.EINTR)
        {
        }
        return result;
    }
}
