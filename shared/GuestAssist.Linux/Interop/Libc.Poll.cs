using System.Runtime.InteropServices;
using GuestAssist.Linux.Errors;

namespace GuestAssist.Linux.Interop;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "poll", SetLastError = true)]
    private static unsafe partial int PollOnce(PollFd* fds, nuint count, int timeoutMilliseconds);

    /// <summary>
    /// poll(2) on one descriptor for <paramref name="events"/>; EINTR retried (with the full timeout again). Returns
    /// the returned events (0 on timeout), or -1 with errno set.
    /// </summary>
    internal static unsafe int PollOne(SafeHandle fd, short events, int timeoutMilliseconds)
    {
        var added = false;
        try
        {
            fd.DangerousAddRef(ref added);
            var entry = new PollFd { Fd = (int)fd.DangerousGetHandle(), Events = events };
            // SAFETY: entry is a local on this stack frame, valid for the whole call; the reference taken above keeps
            // the descriptor open (not reused) while poll waits on it.
            var ready = PollRetried(&entry, 1, timeoutMilliseconds);
            return ready < 0 ? -1 : ready == 0 ? 0 : entry.ReturnedEvents;
        }
        finally
        {
            if (added)
            {
                fd.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// poll(2) on two descriptors (e.g. a device and the eventfd that interrupts the wait); EINTR retried (with the full
    /// timeout again). Returns poll's result (0 on timeout, -1 with errno set) and each descriptor's returned events.
    /// </summary>
    internal static unsafe int PollTwo(
        SafeHandle first, short firstEvents, SafeHandle second, short secondEvents, int timeoutMilliseconds,
        out short firstReturned, out short secondReturned)
    {
        var firstAdded = false;
        var secondAdded = false;
        try
        {
            first.DangerousAddRef(ref firstAdded);
            second.DangerousAddRef(ref secondAdded);
            var fds = stackalloc PollFd[2];
            fds[0] = new PollFd { Fd = (int)first.DangerousGetHandle(), Events = firstEvents };
            fds[1] = new PollFd { Fd = (int)second.DangerousGetHandle(), Events = secondEvents };
            // SAFETY: two pollfd entries on this stack frame, valid for the whole call; the references taken above keep
            // both descriptors open (not reused) while poll waits on them.
            var ready = PollRetried(fds, 2, timeoutMilliseconds);
            firstReturned = fds[0].ReturnedEvents;
            secondReturned = fds[1].ReturnedEvents;
            return ready;
        }
        finally
        {
            if (secondAdded)
            {
                second.DangerousRelease();
            }
            if (firstAdded)
            {
                first.DangerousRelease();
            }
        }
    }

    private static unsafe int PollRetried(PollFd* fds, nuint count, int timeoutMilliseconds)
    {
        int ready;
        while ((ready = PollOnce(fds, count, timeoutMilliseconds)) < 0 && LinuxException.LastErrno() == Errno.EINTR)
        {
        }
        return ready;
    }
}
