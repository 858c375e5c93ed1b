using GuestAssist.Linux.Errors;
using GuestAssist.Linux.Interop;

namespace GuestAssist.Linux.Memory;

/// <summary>
/// Reads and writes another process's memory with process_vm_readv/process_vm_writev (needs ptrace access to it,
/// e.g. root or the same user). The target may also be the calling process.
/// </summary>
internal sealed class ProcessMemory
{
    public ProcessMemory(int pid)
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
        // SAFETY: the span is pinned for the whole transfer, which never touches more than its length.
        fixed (byte* local = destination)
        {
            return Transfer(remoteAddress, local, destination.Length, write: false);
        }
    }

    /// <summary>
    /// Copies <paramref name="source"/> to <paramref name="remoteAddress"/> in the target (a missing page is faulted in,
    /// through the target's userfaultfd if it has one). Returns false when the target process is gone (ESRCH); throws
    /// for unmapped addresses (EFAULT) and other errors.
    /// </summary>
    public unsafe bool TryWrite(ulong remoteAddress, ReadOnlySpan<byte> source)
    {
        // SAFETY: the span is pinned for the whole transfer, which never touches more than its length.
        fixed (byte* local = source)
        {
            return Transfer(remoteAddress, local, source.Length, write: true);
        }
    }

    private unsafe bool Transfer(ulong remoteAddress, byte* local, int length, bool write)
    {
        var call = write ? "process_vm_writev" : "process_vm_readv";
        var done = 0;
        var localIov = stackalloc nuint[2];
        var remoteIov = stackalloc nuint[2];
        while (done < length)
        {
            localIov[0] = (nuint)(local + done);
            localIov[1] = (nuint)(length - done);
            remoteIov[0] = (nuint)(remoteAddress + (ulong)done);
            remoteIov[1] = (nuint)(length - done);
            var n = write
                ? Libc.ProcessVmWritev(Pid, localIov, 1, remoteIov, 1, 0)
                : Libc.ProcessVmReadv(Pid, localIov, 1, remoteIov, 1, 0);
            if (n < 0)
            {
                var errno = LinuxException.LastErrno();
                if (errno == Errno.ESRCH)
                {
                    return false;
                }
                throw new LinuxException(errno, call, $"pid {Pid}", $"0x{remoteAddress + (ulong)done:x}+{length - done}");
            }
            if (n == 0)
            {
                throw new LinuxException(Errno.EFAULT, call, $"pid {Pid}", $"no progress at 0x{remoteAddress + (ulong)done:x}");
            }
            done += (int)n;
        }
        return true;
    }
}
