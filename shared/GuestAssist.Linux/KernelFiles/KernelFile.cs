using GuestAssist.Linux.Errors;
using GuestAssist.Linux.Interop;

namespace GuestAssist.Linux.KernelFiles;

/// <summary>
/// One small /proc or /sys file read or written with open, one pread or pwrite, and close: three system calls.
/// .NET's file APIs add an fstat and two flocks to each, and DAMON's interface alone is hundreds of tiny
/// files; under emulation every system call costs tens of microseconds of the guest's CPU.
/// </summary>
public static class KernelFile
{
    /// <summary>Reads up to <paramref name="buffer"/>'s length from offset 0; returns the byte count.</summary>
    /// <exception cref="LinuxException">The file cannot be opened or read (errno and path in the message).</exception>
    public static unsafe int Read(string path, Span<byte> buffer)
    {
        var fd = Open(path, Libc.O_RDONLY);
        try
        {
            // SAFETY: the span is pinned for the call and pread writes at most buffer.Length bytes into it.
            fixed (byte* bytes = buffer)
            {
                var pointer = bytes;
                var length = (nuint)buffer.Length;
                var read = Retry.OnEintr(() => Libc.Pread(fd, pointer, length, 0));
                if (read < 0)
                {
                    LinuxException.ThrowLast("pread", path);
                }
                return (int)read;
            }
        }
        finally
        {
            Libc.Close(fd);
        }
    }

    /// <summary>Writes <paramref name="bytes"/> at offset 0 in one call, as sysfs attributes expect.</summary>
    /// <exception cref="LinuxException">The file cannot be opened or refuses the value (errno and path in the message).</exception>
    public static unsafe void Write(string path, ReadOnlySpan<byte> bytes)
    {
        var fd = Open(path, Libc.O_WRONLY);
        try
        {
            // SAFETY: the span is pinned for the call and pwrite reads exactly bytes.Length bytes from it.
            fixed (byte* data = bytes)
            {
                var pointer = data;
                var length = (nuint)bytes.Length;
                var written = Retry.OnEintr(() => Libc.Pwrite(fd, pointer, length, 0));
                if (written < 0)
                {
                    LinuxException.ThrowLast("write", path);
                }
                if (written != bytes.Length)
                {
                    throw new LinuxException(Errno.EIO, "write", path, $"{written} of {bytes.Length} bytes taken");
                }
            }
        }
        finally
        {
            Libc.Close(fd);
        }
    }

    private static int Open(string path, int flags)
    {
        ArgumentNullException.ThrowIfNull(path);
        var fd = Retry.OnEintr(() => Libc.Open(path, flags | Libc.O_CLOEXEC, 0));
        if (fd < 0)
        {
            LinuxException.ThrowLast("open", path);
        }
        return fd;
    }
}
