using GuestAssist.Linux.Errors;
using GuestAssist.Linux.Interop;

namespace GuestAssist.Linux.Processes;

/// <summary>
/// A pidfd (pidfd_open(2)): refers to one process for its whole life, so a recycled pid cannot be mistaken for it;
/// readable (POLLIN) once that process has exited.
/// </summary>
internal sealed class ProcessDescriptor : IDisposable
{
    private const int PollSliceMilliseconds = 200;

    private readonly FileDescriptorHandle _handle;

    private ProcessDescriptor(int processId, FileDescriptorHandle handle)
    {
        ProcessId = processId;
        _handle = handle;
    }

    public int ProcessId { get; }

    /// <summary>True once the process has exited (a zombie not yet reaped counts as exited).</summary>
    public bool HasExited
    {
        get
        {
            var events = Libc.PollOne(_handle, PollFd.In, 0);
            if (events < 0)
            {
                LinuxException.ThrowLast("poll", $"pidfd of {ProcessId}");
            }
            return (events & PollFd.In) != 0;
        }
    }

    /// <summary>Opens a pidfd for <paramref name="processId"/>; null when no such process exists (ESRCH).</summary>
    /// <exception cref="LinuxException">pidfd_open failed otherwise (e.g. ENOSYS before Linux 5.3).</exception>
    public static ProcessDescriptor? TryOpen(int processId)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(processId);
        var handle = Libc.PidfdOpen(processId);
        if (handle.IsInvalid)
        {
            var errno = LinuxException.LastErrno();
            handle.Dispose();
            return errno == Errno.ESRCH ? null : throw new LinuxException(errno, "pidfd_open", processId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        return new ProcessDescriptor(processId, handle);
    }

    /// <summary>Completes when the process has exited; cancelled with <paramref name="cancellationToken"/>. Polls on a pool thread.</summary>
    public Task WaitForExitAsync(CancellationToken cancellationToken = default) => Task.Factory.StartNew(
        () =>
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var events = Libc.PollOne(_handle, PollFd.In, PollSliceMilliseconds);
                if (events < 0)
                {
                    LinuxException.ThrowLast("poll", $"pidfd of {ProcessId}");
                }
                if ((events & PollFd.In) != 0)
                {
                    return;
                }
            }
        },
        cancellationToken,
        TaskCreationOptions.LongRunning,
        TaskScheduler.Default);

    public void Dispose() => _handle.Dispose();
}
