using System.Runtime.InteropServices;
using GuestAssist.Linux.Errors;

namespace GuestAssist.Linux.Interop;

internal static partial class Libc
{
    internal const int O_WRONLY = 1;

    // The raw-descriptor forms serve KernelFile alone: it opens, reads and closes a /proc or /sys file within one call
    // and allocates nothing (no SafeHandle) so that a monitor polling every few milliseconds never runs the GC.
    [LibraryImport(Name, EntryPoint = "pread", SetLastError = true)]
    private static unsafe partial nint PreadOnce(int fd, void* buffer, nuint count, long offset);

    [LibraryImport(Name, EntryPoint = "pwrite", SetLastError = true)]
    private static unsafe partial nint PwriteOnce(int fd, void* buffer, nuint count, long offset);

    /// <summary>pread(2) on a descriptor the caller opened and closes itself, EINTR retried; -1 with errno set on failure.</summary>
    internal static unsafe nint Pread(int fd, void* buffer, nuint count, long offset)
    {
        nint result;
        while ((result = PreadOnce(fd, buffer, count, offset)) < 0 && LinuxException.LastErrno() == Errno.EINTR)
        {
        }
        return result;
    }

    /// <summary>pwrite(2) on a descriptor the caller opened and closes itself, EINTR retried; -1 with errno set on failure.</summary>
    internal static unsafe nint Pwrite(int fd, void* buffer, nuint count, long offset)
    {
        nint result;
        while ((result = PwriteOnce(fd, buffer, count, offset)) < 0 && LinuxException.LastErrno() == Errno.EINTR)
        {
        }
        return result;
    }
}
