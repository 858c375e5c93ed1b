using GuestAssist.Linux.Errors;
using GuestAssist.Linux.Interop;

namespace GuestAssist.Linux.Transports.Serial;

/// <summary>
/// A character device (virtio-serial port, tty) as a Stream. FileStream's async I/O does not work
/// on character devices (it cannot be cancelled and blocks Dispose), so the device is opened
/// non-blocking and waits happen in poll(2) together with an eventfd that cancellation and
/// Dispose signal. A pending async read or write occupies one thread-pool thread while it waits.
/// </summary>
internal sealed class SerialPortStream : Stream
{
    internal const short PollOut = 0x4;
    internal const int EfdCloexec = 0x80000;
    internal const int EfdNonblock = 0x800;

    /// <summary>How often a host wait re-checks on its own, in case a kernel never wakes the port's waiters (cheap: one poll a minute).</summary>
    internal const int HostRecheckMilliseconds = 60_000;

    private readonly FileDescriptorHandle device;
    private readonly FileDescriptorHandle readWake;
    private readonly FileDescriptorHandle writeWake;
    private volatile bool disposed;
    private long hostWaitWakeups;

    private SerialPortStream(string devicePath, FileDescriptorHandle device, FileDescriptorHandle readWake, FileDescriptorHandle writeWake)
    {
        DevicePath = devicePath;
        this.device = device;
        this.readWake = readWake;
        this.writeWake = writeWake;
    }

    public string DevicePath { get; }

    /// <summary>Times a <see cref="WaitForHostAsync"/> woke up and found no host yet (a spinning wait shows here).</summary>
    public long HostWaitWakeups => Interlocked.Read(ref hostWaitWakeups);

    public override bool CanRead => !disposed;

    public override bool CanWrite => !disposed;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>Opens the device read-write; a terminal (legacy serial port, pty) is switched to raw mode.</summary>
    public static SerialPortStream Open(string devicePath)
    {
        var fd = Libc.Open(devicePath, Libc.O_RDWR | Libc.O_NOCTTY | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0);
        if (fd < 0)
        {
            LinuxException.ThrowLast("open", devicePath);
        }

        var device = new FileDescriptorHandle(fd);
        FileDescriptorHandle? readWake = null;
        try
        {
            MakeRawIfTerminal(device, devicePath);
            readWake = CreateWakeEvent();
            return new SerialPortStream(devicePath, device, readWake, CreateWakeEvent());
        }
        catch
        {
            readWake?.Dispose();
            device.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Whether the other side has the port open now. virtio-serial reports POLLHUP (and reads return 0)
    /// while no host is connected; a terminal does so once its controller is closed.
    /// </summary>
    public bool IsHostConnected => !HungUp();

    /// <summary>
    /// Waits, without reopening the device and without spinning, until a host connects: POLLHUP is level-triggered
    /// (poll(2) would return at once for ever), so the port is watched by an edge-triggered epoll, which the
    /// virtio_console driver wakes on every host open/close (VIRTIO_CONSOLE_PORT_OPEN), and the state is
    /// re-read after each wakeup. Returns at once when a host is already there.
    /// </summary>
    public Task WaitForHostAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!HungUp())
        {
            return Task.CompletedTask;
        }

        return Task.Factory.StartNew(
            () => WaitForHostBlocking(cancellationToken),
            cancellationToken,
            TaskCreationOptions.DenyChildAttach | TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer) => ReadBlocking(buffer, CancellationToken.None);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (buffer.IsEmpty)
        {
            return ValueTask.FromResult(0);
        }

        if (TryRead(buffer.Span, out var read))
        {
            return ValueTask.FromResult(read);
        }

        return new ValueTask<int>(Task.Factory.StartNew(
            () => ReadBlocking(buffer.Span, cancellationToken),
            cancellationToken,
            TaskCreationOptions.DenyChildAttach,
            TaskScheduler.Default));
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer) => WriteBlocking(buffer, CancellationToken.None);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var written = WriteAvailable(buffer.Span);
        if (written == buffer.Length)
        {
            return ValueTask.CompletedTask;
        }

        var rest = buffer[written..];
        return new ValueTask(Task.Factory.StartNew(
            () => WriteBlocking(rest.Span, cancellationToken),
            cancellationToken,
            TaskCreationOptions.DenyChildAttach,
            TaskScheduler.Default));
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !disposed)
        {
            disposed = true;
            Signal(readWake);
            Signal(writeWake);
            // A waiter holds references on these handles; SafeHandle defers the close until it lets go.
            device.Dispose();
            readWake.Dispose();
            writeWake.Dispose();
        }

        base.Dispose(disposing);
    }

    private int ReadBlocking(Span<byte> buffer, CancellationToken cancellationToken)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        using var registration = cancellationToken.Register(static wake => Signal((FileDescriptorHandle)wake!), readWake);
        while (true)
        {
            if (TryRead(buffer, out var read))
            {
                return read;
            }

            if ((WaitReady(PollFd.In, readWake, cancellationToken) & PollFd.HangUp) != 0)
            {
                // The host closed (virtio-serial: POLLHUP). If a new host connected before this read, the port no
                // longer reads 0 but EAGAIN; either way this host's stream has ended and the next session is
                // the new host's, so its first bytes (Hello) must not reach this one.
                return TryRead(buffer, out read) ? read : 0;
            }
        }
    }

    private void WriteBlocking(ReadOnlySpan<byte> buffer, CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.Register(static wake => Signal((FileDescriptorHandle)wake!), writeWake);
        while (!buffer.IsEmpty)
        {
            buffer = buffer[WriteAvailable(buffer)..];
            if (!buffer.IsEmpty)
            {
                _ = WaitReady(PollOut, writeWake, cancellationToken);
            }
        }
    }

    /// <summary>One non-blocking read; false when nothing is available yet. A hung-up terminal reads as end of stream.</summary>
    private unsafe bool TryRead(Span<byte> buffer, out int read)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        nint result;
        // SAFETY: buffer is pinned for the call and read(2) writes at most buffer.Length bytes.
        fixed (byte* bytes = buffer)
        {
            result = Libc.Read(device, bytes, (nuint)buffer.Length);
        }

        if (result >= 0)
        {
            read = (int)result;
            return true;
        }

        switch (LinuxException.LastErrno())
        {
            case Errno.EAGAIN:
                read = 0;
                return false;
            case Errno.EIO:
                // The other end of a terminal hung up.
                read = 0;
                return true;
            case var errno:
                throw new LinuxException(errno, "read", DevicePath);
        }
    }

    /// <summary>Writes what the device takes now without blocking; returns how many bytes that was.</summary>
    private unsafe int WriteAvailable(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var written = 0;
        // SAFETY: buffer is pinned for the calls and write(2) reads at most the remaining length.
        fixed (byte* bytes = buffer)
        {
            while (written < buffer.Length)
            {
                var result = Libc.Write(device, bytes + written, (nuint)(buffer.Length - written));
                if (result < 0)
                {
                    var errno = LinuxException.LastErrno();
                    if (errno == Errno.EAGAIN)
                    {
                        break;
                    }

                    throw new LinuxException(errno, "write", DevicePath);
                }

                written += (int)result;
            }
        }

        return written;
    }

    /// <summary>Blocks in poll(2) until the device is ready for <paramref name="events"/> (or hangs up), or the wake event fires.</summary>
    /// <returns>The device's returned events (POLLHUP among them when the other side has gone).</returns>
    private short WaitReady(short events, FileDescriptorHandle wake, CancellationToken cancellationToken)
    {
        if (Libc.PollTwo(device, events, wake, PollFd.In, -1, out var returned, out var wakeReturned) < 0)
        {
            LinuxException.ThrowLast("poll", DevicePath);
        }

        if ((wakeReturned & PollFd.In) != 0)
        {
            Drain(wake);
        }

        ObjectDisposedException.ThrowIf(disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        return returned;
    }

    private unsafe void WaitForHostBlocking(CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.Register(static wake => Signal((FileDescriptorHandle)wake!), readWake);
        using var epoll = Libc.EpollCreate1(Libc.EPOLL_CLOEXEC);
        if (epoll.IsInvalid)
        {
            LinuxException.ThrowLast("epoll_create1", DevicePath);
        }

        // Both stay open while registered: Dispose signals readWake and closes them, and closing readWake before
        // epoll_wait returned would take the queued wake-up with it.
        using var deviceLease = new HandleLease(device);
        using var wakeLease = new HandleLease(readWake);
        var watch = new EpollEvent { Events = EpollEvent.In | EpollEvent.Out | EpollEvent.HangUp | EpollEvent.EdgeTriggered, Data = 0 };
        var wake = new EpollEvent { Events = EpollEvent.In, Data = 1 };
        // SAFETY: both epoll_event structs live on this frame for the calls; the kernel copies them.
        if (Libc.EpollCtl(epoll, Libc.EPOLL_CTL_ADD, device, &watch) < 0 || Libc.EpollCtl(epoll, Libc.EPOLL_CTL_ADD, readWake, &wake) < 0)
        {
            LinuxException.ThrowLast("epoll_ctl", DevicePath);
        }

        var events = stackalloc EpollEvent[2];
        // Registered before the check: a host that connects after it queues an edge, so none is missed.
        while (HungUp())
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            cancellationToken.ThrowIfCancellationRequested();
            // SAFETY: events points to two epoll_event structs on this frame; epoll_wait writes at most two.
            var ready = Libc.EpollWait(epoll, events, 2, HostRecheckMilliseconds);
            if (ready < 0)
            {
                LinuxException.ThrowLast("epoll_wait", DevicePath);
            }

            for (var i = 0; i < ready; i++)
            {
                if (events[i].Data == 1)
                {
                    Drain(readWake);
                }
            }

            ObjectDisposedException.ThrowIf(disposed, this);
            cancellationToken.ThrowIfCancellationRequested();
            Interlocked.Increment(ref hostWaitWakeups);
        }
    }

    /// <summary>One poll(2) with no timeout: does the device report POLLHUP right now?</summary>
    private bool HungUp()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var returned = Libc.PollOne(device, PollFd.In, 0);
        if (returned < 0)
        {
            LinuxException.ThrowLast("poll", DevicePath);
        }

        return (returned & PollFd.HangUp) != 0;
    }

    private static FileDescriptorHandle CreateWakeEvent()
    {
        var fd = Libc.Eventfd(0, EfdCloexec | EfdNonblock);
        if (fd < 0)
        {
            LinuxException.ThrowLast("eventfd");
        }

        return new FileDescriptorHandle(fd);
    }

    private static unsafe void Signal(FileDescriptorHandle wake)
    {
        try
        {
            ulong one = 1;
            // SAFETY: writes the 8-byte counter increment from this frame; a failure (overflow, EAGAIN) still leaves it readable.
            _ = Libc.Write(wake, &one, sizeof(ulong));
        }
        catch (ObjectDisposedException)
        {
            // Already closed: nobody is waiting on it any more.
        }
    }

    private static unsafe void Drain(FileDescriptorHandle wake)
    {
        ulong count;
        // SAFETY: reads the 8-byte eventfd counter into this frame; EAGAIN (already drained) is fine.
        _ = Libc.Read(wake, &count, sizeof(ulong));
    }

    private static unsafe void MakeRawIfTerminal(FileDescriptorHandle device, string devicePath)
    {
        var termios = stackalloc byte[Libc.TermiosBufferSize];
        // SAFETY: termios is an opaque buffer larger than glibc's struct termios; only libc touches it.
        if (Libc.TcGetAttr(device, termios) < 0)
        {
            var errno = LinuxException.LastErrno();
            if (errno is Errno.ENOTTY or Errno.EINVAL)
            {
                return; // virtio-serial ports are not terminals: nothing to configure.
            }

            throw new LinuxException(errno, "tcgetattr", devicePath);
        }

        // Without raw mode the line discipline echoes, buffers lines and rewrites \n: binary frames break.
        Libc.CfMakeRaw(termios);
        if (Libc.TcSetAttr(device, Libc.TCSANOW, termios) < 0)
        {
            LinuxException.ThrowLast("tcsetattr", devicePath);
        }
    }
}
