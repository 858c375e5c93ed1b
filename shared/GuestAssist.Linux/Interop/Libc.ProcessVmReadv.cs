using System.Runtime.InteropServices;
using GuestAssist.Linux.Errors;

namespace GuestAssist.Linux.Interop;

internal static partial class Libc
{
    // localIov / remoteIov point at arrays of struct iovec { void* base; size_t len; } (16 bytes each).
    [LibraryImport(Name, EntryPoint = "process_vm_readv", SetLastError = true)]
    private static unsafe partial nint ProcessVmReadvOnce(int pid, void* localIov, nuint localCount, void* remoteIov, nuint remoteCount, nuint flags);

    /// <summary>process_vm_readv(2), EINTR retried; -1 with errno set on failure.</summary>
    internal static unsafe nint ProcessVmReadv(int pid, void* localIov, nuint localCount, void* remoteIov, nuint remoteCount, nuint flags)
    {
        nint result;
        while ((result = ProcessVmReadvOnce(pid, localIov, localCount, remoteIov, remoteCount, flags)) < 0 && LinuxException.LastErrno() == Errno.EINTR)
        {
        }
        return result;
    }
}
