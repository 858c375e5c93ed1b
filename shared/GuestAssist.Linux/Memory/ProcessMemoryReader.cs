using GuestAssist.Linux.Errors;
using GuestAssist.Linux.Interop;

namespace GuestAssist.Linux.Memory;

/// <summary>Reads another process's memory with process_vm_readv (needs ptrace access to it, e.g. root or same user).</summary>
public sealed class ProcessMemoryReader
{
    public ProcessMemoryReader(int pid)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pid);
        Pid = pid;
    }

    public int Pid { get; }

    /// <summary>
    /// Copies <paramref name="destination"/>.Length bytes from <paramref name="remoteAddress"/> in the target.
    /// Returns false when the target process is gone (ESRCH); throws for unmapped addresses (EFAULT) and other errors.
    /// </summary>
    public unsafe bool TryRead(ulong remoteAddress, Span<byte> destination)
    {
        var done = 0;
        var localIov = stackalloc nuint[2];
        var remoteIov = stackalloc nuint[2];
        while (done < destination.Length)
        {
            nint n;
            // SAFETY: destination is pinned for the call; both iovecs describe exactly its remaining length.
            fixed (byte* local = destination[done..])
            {
                localIov[0] = (nuint)local;
                localIov[1] = (nuint)(destination.Length - done);
                remoteIov[0] = (nuint)(remoteAddress + (ulong)done);
                remoteIov[1] = (nuint)(destination.Length - done);
                do
                {
                    n = Libc.ProcessVmReadv(Pid, localIov, 1, remoteIov, 1, 0);
                }
                while (n < 0 && LinuxException.LastErrno() == Errno.EINTR);
            }
            if (n < 0)
            {
                var errno = LinuxException.LastErrno();
                if (errno == Errno.ESRCH)
                {
                    return false;
                }
                throw new LinuxException(errno, "process_vm_readv", $"pid {Pid}", $"0x{remoteAddress + (ulong)done:x}+{destination.Length - done}");
            }
            if (n == 0)
            {
                throw new LinuxException(Errno.EFAULT, "process_vm_readv", $"pid {Pid}", $"no progress at 0x{remoteAddress + (ulong)done:x}");
            }
            done += (int)n;
        }
        return true;
    }
}
