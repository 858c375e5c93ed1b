using System.Runtime.InteropServices;

namespace GuestAssist.Linux.Interop;

internal static partial class Libc
{
    /// <summary>x86_64 syscall number of pidfd_open(2) (Linux 5.3).</summary>
    internal const nint SysPidfdOpen = 434;

    [LibraryImport(Name, EntryPoint = "syscall", SetLastError = true)]
    private static partial FileDescriptorHandle PidfdOpenSyscall(nint number, int pid, uint flags);

    /// <summary>pidfd_open(pid, 0), EINTR retried; an invalid handle (errno set) on failure.</summary>
    internal static FileDescriptorHandle PidfdOpen(int pid)
    {
        while (true)
        {
            var handle = PidfdOpenSyscall(SysPidfdOpen, pid, 0);
            if (!handle.IsInvalid || Errors.LinuxException.LastErrno() != Errors.Errno.EINTR)
            {
                return handle;
            }
            handle.Dispose();
        }
    }
}
