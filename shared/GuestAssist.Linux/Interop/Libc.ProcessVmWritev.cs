using System.Runtime.InteropServices;
using GuestAssist.Linux.Errors;

namespace GuestAssist.Linux.Interop;

internal static partial class Libc
{
    // Same iovec arrays as process_vm_readv; data flows from localIov into the target's remoteIov.
    [LibraryImport(Name, EntryPoint = "process_vm_writev", SetLastError = true)]
    private static unsafe partial nint ProcessVmWritevOnce(int pid, void* localIov, nuint localCount, void* remoteIov, nuint remoteCount, nuint flags);

    /// <summary>process_vm_writev(2), EINTR retried; -1 with errno set on failure.</summary>
    internal static unsafe nint ProcessVmWritev(int pid, void* localIov, nuint localCount, void* remoteIov, nuint remoteCount, nuint flags)
    {
        nint result;
        while ((result = ProcessVmWritevOnce(pid, localIov, localCount, remoteIov, remoteCount, flags)) < 0 && LinuxException.LastErrno() == Errno.EINTR)
        {
        }
        return result;
    }
}
