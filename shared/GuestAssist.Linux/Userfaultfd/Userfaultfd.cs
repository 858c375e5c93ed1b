using GuestAssist.Linux.Errors;
using GuestAssist.Linux.Interop;

namespace GuestAssist.Linux.Userfaultfd;

/// <summary>
/// An owned userfaultfd: registration, page installation (COPY/ZEROPAGE), wake-ups, write protection and
/// its event queue. Thread-safe: ioctls may run on several threads while one thread reads events.
/// Expected outcomes of installs are <see cref="CopyResult"/> values; real failures throw <see cref="LinuxException"/>.
/// </summary>
public sealed class Userfaultfd : IDisposable
{
    private const int MaxMessagesPerRead = 64;

    private readonly FileDescriptorHandle _fd;
    private readonly EventNotifier _wakeup = new();

    private Userfaultfd(FileDescriptorHandle fd, UffdFeatures features, UffdIoctls ioctls)
    {
        _fd = fd;
        Features = features;
        ApiIoctls = ioctls;
    }

    /// <summary>Features enabled by the handshake; None for an adopted fd whose handshake another process did.</summary>
    public UffdFeatures Features { get; }

    /// <summary>ioctls the API offers (None for an adopted fd).</summary>
    public UffdIoctls ApiIoctls { get; }

    public FileDescriptorHandle Handle => _fd;

    /// <summary>
    /// Creates a uffd (O_CLOEXEC|O_NONBLOCK) and performs the UFFDIO_API handshake with all of
    /// <paramref name="required"/> and whichever of <paramref name="optional"/> the kernel has.
    /// </summary>
    /// <exception cref="UffdFeatureException">A required feature is missing (names them).</exception>
    public static Userfaultfd Create(UffdFeatures required = UffdFeatures.None, UffdFeatures optional = UffdFeatures.None, bool userModeOnly = false)
    {
        var requested = required;
        if (optional != UffdFeatures.None)
        {
            requested |= optional & ProbeFeatures(userModeOnly);
        }
        var fd = OpenRaw(userModeOnly);
        try
        {
            var (features, ioctls) = Handshake(fd, requested, userModeOnly);
            return new Userfaultfd(fd, features, ioctls);
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    /// <summary>Takes ownership of a uffd whose UFFDIO_API handshake was done elsewhere (e.g. received from a VMM).</summary>
    public static Userfaultfd Adopt(FileDescriptorHandle fd)
    {
        ArgumentNullException.ThrowIfNull(fd);
        if (fd.IsInvalid || fd.IsClosed)
        {
            throw new ArgumentException("the userfaultfd handle is invalid or closed", nameof(fd));
        }
        return new Userfaultfd(fd, UffdFeatures.None, UffdIoctls.None);
    }

    /// <summary>The features this kernel offers, probed with UFFDIO_API on a throwaway fd (API works once per fd).</summary>
    public static UffdFeatures ProbeFeatures(bool userModeOnly = false)
    {
        using var fd = OpenRaw(userModeOnly);
        return ApiCall(fd, UffdFeatures.None, out var features, out _) == 0
            ? features
            : throw LinuxException.FromLast("UFFDIO_API", detail: "probing features");
    }

    /// <summary>Registers [start, start+length) and returns the ioctls the range supports.</summary>
    public unsafe UffdIoctls Register(ulong start, ulong length, UffdRegisterMode mode)
    {
        var arg = new UffdioRegister { Range = new UffdioRange { Start = start, Length = length }, Mode = (ulong)mode };
        // SAFETY: the kernel reads and writes the 32-byte struct on this stack frame during the call.
        IoctlOrThrow(UffdRequest.Register, &arg, "UFFDIO_REGISTER", start, length);
        return (UffdIoctls)arg.Ioctls;
    }

    public unsafe void Unregister(ulong start, ulong length)
    {
        var arg = new UffdioRange { Start = start, Length = length };
        // SAFETY: the kernel reads the 16-byte struct on this stack frame during the call.
        IoctlOrThrow(UffdRequest.Unregister, &arg, "UFFDIO_UNREGISTER", start, length);
    }

    /// <summary>Wakes threads waiting on faults in the range (after DONTWAKE installs).</summary>
    public unsafe void Wake(ulong start, ulong length)
    {
        var arg = new UffdioRange { Start = start, Length = length };
        // SAFETY: the kernel reads the 16-byte struct on this stack frame during the call.
        IoctlOrThrow(UffdRequest.Wake, &arg, "UFFDIO_WAKE", start, length);
    }

    /// <summary>Sets (<paramref name="protect"/>) or clears write protection on a WP-registered range.</summary>
    public unsafe void WriteProtect(ulong start, ulong length, bool protect, bool dontWake = false)
    {
        var arg = new UffdioWriteProtect
        {
            Range = new UffdioRange { Start = start, Length = length },
            Mode = (protect ? UffdRequest.WriteProtectModeWp : 0) | (dontWake ? UffdRequest.WriteProtectModeDontWake : 0),
        };
        // SAFETY: the kernel reads the 24-byte struct on this stack frame during the call.
        IoctlOrThrow(UffdRequest.WriteProtect, &arg, "UFFDIO_WRITEPROTECT", start, length);
    }

    /// <summary>UFFDIO_COPY: installs <paramref name="length"/> bytes from <paramref name="source"/> (this process) at <paramref name="destination"/>.</summary>
    public unsafe CopyResult Copy(ulong destination, ulong source, ulong length, bool dontWake = false, bool writeProtect = false)
    {
        var arg = new UffdioCopy
        {
            Destination = destination,
            Source = source,
            Length = length,
            Mode = (dontWake ? UffdRequest.CopyModeDontWake : 0) | (writeProtect ? UffdRequest.CopyModeWriteProtect : 0),
            Copy = 0,
        };
        // SAFETY: the kernel reads the struct and writes back `copy`; the source range is the caller's (checked by the kernel).
        var rc = Ioctl(UffdRequest.Copy, &arg);
        return rc == 0 ? CopyResult.Copied(length) : Classify("UFFDIO_COPY", destination, length, arg.Copy);
    }

    /// <summary>UFFDIO_COPY from a span of this process (length = span length, page multiple).</summary>
    public unsafe CopyResult Copy(ulong destination, ReadOnlySpan<byte> source, bool dontWake = false)
    {
        fixed (byte* pointer = source)
        {
            // SAFETY: the span is pinned for the duration of the synchronous ioctl.
            return Copy(destination, (ulong)pointer, (ulong)source.Length, dontWake);
        }
    }

    /// <summary>UFFDIO_ZEROPAGE: maps zero pages over [start, start+length).</summary>
    public unsafe CopyResult ZeroPage(ulong start, ulong length, bool dontWake = false)
    {
        var arg = new UffdioZeroPage
        {
            Range = new UffdioRange { Start = start, Length = length },
            Mode = dontWake ? UffdRequest.ZeroPageModeDontWake : 0,
            ZeroPage = 0,
        };
        // SAFETY: the kernel reads the struct and writes back `zeropage` on this stack frame.
        var rc = Ioctl(UffdRequest.ZeroPage, &arg);
        return rc == 0 ? CopyResult.Copied(length) : Classify("UFFDIO_ZEROPAGE", start, length, arg.ZeroPage);
    }

    /// <summary>
    /// Reads every queued message (up to <paramref name="events"/>.Length) without blocking; 0 when the queue is empty.
    /// </summary>
    public unsafe int ReadEvents(Span<UffdEvent> events)
    {
        var total = 0;
        var buffer = stackalloc UffdMessage[MaxMessagesPerRead];
        while (total < events.Length)
        {
            var want = Math.Min(events.Length - total, MaxMessagesPerRead);
            // SAFETY: reads whole 32-byte messages into the stack buffer sized for `want` of them.
            var got = Libc.Read(_fd, buffer, (nuint)(want * UffdRequest.MessageSize));
            if (got < 0)
            {
                var errno = LinuxException.LastErrno();
                if (errno == Errno.EAGAIN)
                {
                    break;
                }
                throw new LinuxException(errno, "read", "userfaultfd");
            }
            var count = (int)(got / UffdRequest.MessageSize);
            for (var i = 0; i < count; i++)
            {
                events[total + i] = UffdEvent.FromMessage(buffer[i]);
            }
            total += count;
            if (count < want || !Readable())
            {
                break;
            }
        }
        return total;
    }

    /// <summary>
    /// Blocks in poll(2) until events are queued, <paramref name="timeoutMilliseconds"/> pass (-1: forever),
    /// <see cref="Interrupt"/> is called, or <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public UffdWaitResult Wait(int timeoutMilliseconds, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return UffdWaitResult.Woken;
        }
        using var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static state => ((EventNotifier)state!).Signal(), _wakeup)
            : default;
        if (Libc.PollTwo(_fd, PollFd.In, _wakeup.Handle, PollFd.In, timeoutMilliseconds, out var returned, out var wakeReturned) < 0)
        {
            LinuxException.ThrowLast("poll", "userfaultfd");
        }
        if ((wakeReturned & PollFd.In) != 0)
        {
            _wakeup.Drain();
            return UffdWaitResult.Woken;
        }
        if ((returned & PollFd.In) != 0)
        {
            return UffdWaitResult.EventsReady;
        }
        return (returned & (PollFd.Error | PollFd.HangUp | PollFd.Invalid)) != 0
            ? UffdWaitResult.Closed
            : UffdWaitResult.TimedOut;
    }

    /// <summary>
    /// True when a read would not block. Checked before reading again after a full batch, so that an adopted
    /// uffd created without O_NONBLOCK never blocks ReadEvents.
    /// </summary>
    private bool Readable()
    {
        var returned = Libc.PollOne(_fd, PollFd.In, 0);
        return returned > 0 && (returned & PollFd.In) != 0;
    }

    /// <summary>Makes a current or the next <see cref="Wait"/> return <see cref="UffdWaitResult.Woken"/>.</summary>
    public void Interrupt() => _wakeup.Signal();

    public void Dispose()
    {
        _wakeup.Dispose();
        _fd.Dispose();
    }

    private static unsafe int ApiCall(FileDescriptorHandle fd, UffdFeatures requested, out UffdFeatures features, out UffdIoctls ioctls)
    {
        var arg = new UffdioApi { Api = UffdRequest.ApiVersion, Features = (ulong)requested };
        // SAFETY: the kernel reads and writes the 24-byte struct on this stack frame.
        var rc = Libc.Ioctl(fd, UffdRequest.Api, &arg);
        features = (UffdFeatures)arg.Features;
        ioctls = (UffdIoctls)arg.Ioctls;
        return rc;
    }

    private static (UffdFeatures Features, UffdIoctls Ioctls) Handshake(FileDescriptorHandle fd, UffdFeatures requested, bool userModeOnly)
    {
        if (ApiCall(fd, requested, out var features, out var ioctls) == 0)
        {
            return (features, ioctls);
        }
        var errno = LinuxException.LastErrno();
        if (errno == Errno.EINVAL && requested != UffdFeatures.None)
        {
            var available = ProbeFeatures(userModeOnly);
            if ((requested & ~available) != UffdFeatures.None)
            {
                throw new UffdFeatureException(requested, available);
            }
        }
        throw new LinuxException(errno, "UFFDIO_API", detail: $"features {requested}");
    }

    private static FileDescriptorHandle OpenRaw(bool userModeOnly)
    {
        var flags = UffdRequest.OCloexec | UffdRequest.ONonblock | (userModeOnly ? UffdRequest.UserModeOnly : 0);
        var fd = (int)Libc.Syscall(UffdRequest.SyscallNumber, flags, 0, 0);
        if (fd >= 0)
        {
            return new FileDescriptorHandle(fd);
        }
        var syscallErrno = LinuxException.LastErrno();
        if (!File.Exists(UffdRequest.DevicePath))
        {
            throw new LinuxException(syscallErrno, "userfaultfd", detail: $"and {UffdRequest.DevicePath} is absent");
        }
        try
        {
            return OpenViaDevice(flags);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new LinuxException(syscallErrno, "userfaultfd", detail: $"and {UffdRequest.DevicePath}: {e.Message}");
        }
    }

    /// <summary>The fallback when the syscall is refused: /dev/userfaultfd (file permissions) and USERFAULTFD_IOC_NEW.</summary>
    internal static FileDescriptorHandle OpenViaDevice(int flags)
    {
        using var device = File.OpenHandle(UffdRequest.DevicePath, FileMode.Open, FileAccess.ReadWrite);
        var fd = Libc.Ioctl(device, UffdRequest.DeviceNew, flags);
        if (fd < 0)
        {
            LinuxException.ThrowLast("USERFAULTFD_IOC_NEW", UffdRequest.DevicePath);
        }
        return new FileDescriptorHandle(fd);
    }

    /// <summary>Creates a uffd through /dev/userfaultfd and performs the handshake (what Create falls back to).</summary>
    internal static Userfaultfd CreateViaDevice(UffdFeatures required)
    {
        var fd = OpenViaDevice(UffdRequest.OCloexec | UffdRequest.ONonblock);
        try
        {
            var (features, ioctls) = Handshake(fd, required, userModeOnly: false);
            return new Userfaultfd(fd, features, ioctls);
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    /// <summary>`argument` points at the caller's stack struct of the size `request` encodes.</summary>
    private unsafe int Ioctl(nuint request, void* argument) => Libc.Ioctl(_fd, request, argument);

    private unsafe void IoctlOrThrow(nuint request, void* argument, string call, ulong start, ulong length)
    {
        if (Ioctl(request, argument) != 0)
        {
            LinuxException.ThrowLast(call, detail: $"0x{start:x}+0x{length:x}");
        }
    }

    private static CopyResult Classify(string call, ulong start, ulong length, long written)
    {
        var errno = LinuxException.LastErrno();
        return errno switch
        {
            Errno.EEXIST => CopyResult.AlreadyPresent,
            Errno.EAGAIN => CopyResult.Retry(written > 0 ? (ulong)written : 0),
            Errno.ESRCH or Errno.ENOENT => CopyResult.Gone,
            _ => throw new LinuxException(errno, call, detail: $"0x{start:x}+0x{length:x}"),
        };
    }
}
