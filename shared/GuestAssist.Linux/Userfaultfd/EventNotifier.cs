using GuestAssist.Linux.Errors;
using GuestAssist.Linux.Interop;

namespace GuestAssist.Linux.Userfaultfd;

/// <summary>A non-blocking eventfd used to wake a thread blocked in poll(2) (shutdown, new work).</summary>
internal sealed class EventNotifier : IDisposable
{
    private const int EfdCloexec = 0x80000;
    private const int EfdNonblock = 0x800;

    public EventNotifier()
    {
        var fd = Libc.Eventfd(0, EfdCloexec | EfdNonblock);
        if (fd < 0)
        {
            LinuxException.ThrowLast("eventfd");
        }
        Handle = new FileDescriptorHandle(fd);
    }

    public FileDescriptorHandle Handle { get; }

    /// <summary>Makes the notifier readable until the next <see cref="Drain"/>.</summary>
    public unsafe void Signal()
    {
        if (Handle.IsClosed)
        {
            return;
        }
        ulong one = 1;
        try
        {
            // SAFETY: writes the 8-byte counter from a local; EAGAIN (counter saturated) still leaves it readable.
            _ = Libc.Write(Handle, &one, sizeof(ulong));
        }
        catch (ObjectDisposedException)
        {
            // Signalled while being disposed: nobody is waiting any more.
        }
    }

    /// <summary>Resets the notifier; returns true when it had been signalled.</summary>
    public unsafe bool Drain()
    {
        ulong value = 0;
        // SAFETY: reads the 8-byte counter into a local; a non-blocking eventfd returns EAGAIN when zero.
        return Libc.Read(Handle, &value, sizeof(ulong)) == sizeof(ulong);
    }

    public void Dispose() => Handle.Dispose();
}
