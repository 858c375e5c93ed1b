using System.Diagnostics;
using GuestAssist.Linux.Interop;
using GuestAssist.Linux.Processes;

namespace GuestAssist.Linux.Tests.Processes;

public class ProcessDescriptorTests
{
    [Fact]
    public void The_pidfd_open_syscall_number_is_pinned()
    {
        Assert.Equal(434, Libc.SysPidfdOpen);
    }

    [Fact]
    public async Task A_pidfd_becomes_readable_when_its_process_exits_and_not_before()
    {
        using var child = Process.Start(new ProcessStartInfo("sleep", "30"))!;
        using var pidfd = ProcessDescriptor.TryOpen(child.Id);
        Assert.NotNull(pidfd);
        Assert.False(pidfd.HasExited);
        var exited = pidfd.WaitForExitAsync();
        await Task.Delay(300);
        Assert.False(exited.IsCompleted);

        child.Kill();
        await exited.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(pidfd.HasExited);
    }

    [Fact]
    public async Task Waiting_is_cancellable_and_a_missing_process_is_null()
    {
        using var self = ProcessDescriptor.TryOpen(Environment.ProcessId);
        Assert.NotNull(self);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(250));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => self.WaitForExitAsync(cancel.Token));

        using var child = Process.Start(new ProcessStartInfo("true"))!;
        child.WaitForExit(); // reaped: the pid names nobody now
        Assert.Null(ProcessDescriptor.TryOpen(child.Id));
    }
}
