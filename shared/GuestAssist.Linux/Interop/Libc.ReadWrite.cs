using System.Runtime.InteropServices;
using GuestAssist.Linux.Errors;

namespace GuestAssist.Linux.Interop;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "read", SetLastError = true)]
    private static unsafe partial nint ReadOnce(SafeHandle fd, void* buffer, nuint count);

    [LibraryImport(Name, EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint WriteOnce(SafeHandle fd, void* buffer, nuint count);

    /// <summary>read(2), EINTR retried; -1 with errno set on failure.</summary>
    internal static unsafe nint Read(SafeHandle fd, void* buffer, nuint count)
    {
        nint result;
        while ((result = ReadOnce(fd, buffer, count)) < 0 && LinuxException.LastErrno() == Errno.EINTR)
        {
        }
        return result;
    }

    /// <summary>write(2), EINTR retried; -1 with errno set on failure.</summary>
    internal static unsafe nint Write(SafeHandle fd, void* buffer, nuint count)
    {
        nint result;
        while ((result = WriteOnce(fd, buffer, count)) < 0 && LinuxException.LastErrno() == Errno.EINTR)
        {
        }
        return result;
    }
}
