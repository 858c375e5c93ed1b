using System.Runtime.InteropServices;
using GuestAssist.Linux.Errors;

namespace GuestAssist.Linux.Interop;

internal static partial class Libc
{
    internal const int SOCK_STREAM = 1;
    internal const int SOCK_CLOEXEC = 0x80000;

    [LibraryImport(Name, EntryPoint = "socket", SetLastError = true)]
    private static partial int SocketOnce(int domain, int type, int protocol);

    /// <summary>socket(2), EINTR retried; the new descriptor, or -1 with errno set.</summary>
    internal static int Socket(int domain, int type, int protocol)
    {
        int result;
        while ((result = SocketOnce(domain, type, protocol)) < 0 && LinuxException.LastErrno() == Errno.EINTR)
        {
        }
        return result;
    }
}
