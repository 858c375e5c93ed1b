using System.Runtime.InteropServices;

namespace GuestAssist.Linux.Interop;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "poll", SetLastError = true)]
    internal static unsafe partial int Poll(PollFd* fds, nuint count, int timeoutMilliseconds);

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
            int ready;
            while ((ready = Poll(&entry, 1, timeoutMilliseconds)) < 0 && Errors.LinuxException.LastErrno() == Errors.Errno.EINTR)
            {
            }
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
}
