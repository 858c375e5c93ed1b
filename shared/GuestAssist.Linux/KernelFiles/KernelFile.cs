using GuestAssist.Linux.Errors;
using GuestAssist.Linux.Interop;

namespace GuestAssist.Linux.KernelFiles;

/// <summary>
/// One small /proc or /sys file read or written with open, one pread or pwrite, and close: three system calls.
/// .NET's file APIs add an fstat and two flocks to each, and DAMON's interface alone is hundreds of tiny
/// files; under emulation every system call costs tens of microseconds of the guest's CPU.
/// </summary>
internal static class KernelFile
{
    /// <summary>Reads up to <paramref name="buffer"/>'s length from offset 0; returns the byte count.</summary>
    /// <exception cref="LinuxException">The file cannot be opened or read (errno and path in the message).</exception>
    public static int Read(string path, Span<byte> buffer)
    {
        if (!TryRead(path, buffer, out var length, out var errno, out var call))
        {
            throw new LinuxException(errno, call, path);
        }
        return length;
    }

    /// <summary>
    /// Like <see cref="Read"/> without an exception: false with the errno when the file cannot be opened or read
    /// (a missing entry is an expected answer when walking numbered sysfs directories, and an exception allocates).
    /// </summary>
    public static unsafe bool TryRead(string path, Span<byte> buffer, out int length, out Errno errno) =>
        TryRead(path, buffer, out length, out errno, out _);

    private static unsafe bool TryRead(string path, Span<byte> buffer, out int length, out Errno errno, out string call)
    {
        ArgumentNullException.ThrowIfNull(path);
        length = 0;
        call = "open";
        var fd = Libc.Open(path, Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        if (fd < 0)
        {
            errno = LinuxException.LastErrno();
            return false;
        }
        try
        {
            // SAFETY: the span is pinned for the call and pread writes at most buffer.Length bytes into it.
            fixed (byte* bytes = buffer)
            {
                var pointer = bytes;
                var capacity = (nuint)buffer.Length;
                var read = Libc.Pread(fd, pointer, capacity, 0);
                if (read < 0)
                {
                    errno = LinuxException.LastErrno();
                    call = "pread";
                    return false;
                }
                length = (int)read;
                errno = Errno.None;
                return true;
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
                var written = Libc.Pwrite(fd, pointer, length, 0);
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
        var fd = Libc.Open(path, flags | Libc.O_CLOEXEC, 0);
        if (fd < 0)
        {
            LinuxException.ThrowLast("open", path);
        }
        return fd;
    }
}
