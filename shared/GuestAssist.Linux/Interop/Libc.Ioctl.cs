using System.Runtime.InteropServices;
using GuestAssist.Linux.Errors;

namespace GuestAssist.Linux.Interop;

internal static partial class Libc
{
    // Request numbers such as UFFDIO_API (0xC018AA3F) exceed int32: pass them as nuint.
    [LibraryImport(Name, EntryPoint = "ioctl", SetLastError = true)]
    private static unsafe partial int IoctlOnce(SafeHandle fd, nuint request, void* argument);

    [LibraryImport(Name, EntryPoint = "ioctl", SetLastError = true)]
    private static partial int IoctlOnce(SafeHandle fd, nuint request, nint argument);

    /// <summary>ioctl(2) with a pointer argument, EINTR retried; -1 with errno set on failure.</summary>
    internal static unsafe int Ioctl(SafeHandle fd, nuint request, void* argument)
    {
        int result;
        while ((result = IoctlOnce(fd, request, argument)) < 0 && LinuxException.LastErrno() == Errno.EINTR)
        {
        }
        return result;
    }

    /// <summary>ioctl(2) with an integer argument, EINTR retried; -1 with errno set on failure.</summary>
    internal static int Ioctl(SafeHandle fd, nuint request, nint argument)
    {
        int result;
        while ((result = IoctlOnce(fd, request, argument)) < 0 && LinuxException.LastErrno() == Errno.EINTR)
        {
        }
        return result;
    }
}
