using GuestAssist.Host.Layout;
using GuestAssist.Host.Source;
using GuestAssist.Linux.Processes;

namespace GuestAssist.Host.Vmm;

/// <summary>
/// A VM that is a process whose guest memory is a file it shares (a memfd reached as /proc/PID/fd/N, or a file on
/// tmpfs/hugetlbfs): paused with SIGSTOP, resumed with SIGCONT, served straight from that file. This is what
/// <c>migrate-demo</c>'s source VM is; a QEMU with <c>memory-backend-file,share=on</c> fits it too. The file is read
/// while the VM runs for a hybrid push, and opened for writing where allowed so confirmed pages can be punched out of it.
/// </summary>
public sealed class ProcessVm(int processId, string memoryFile, GuestMemoryLayout layout) : IVmmAdapter
{
    public string Description => $"process {processId} ({memoryFile})";

    public Task<GuestMemoryLayout> GetLayoutAsync(CancellationToken cancellationToken) => Task.FromResult(layout);

    public Task PauseAsync(CancellationToken cancellationToken)
    {
        Signal(ProcessSignals.Stop(processId), "stop");
        return Task.CompletedTask;
    }

    public Task<IPageSource> CaptureMemoryAsync(GuestMemoryLayout layout, CancellationToken cancellationToken) =>
        Task.FromResult<IPageSource>(new MappedFilePageSource(memoryFile, layout, releasable: true));

    public Task<IPageSource?> OpenLiveMemoryAsync(GuestMemoryLayout layout, CancellationToken cancellationToken) =>
        Task.FromResult<IPageSource?>(new MappedFilePageSource(memoryFile, layout));

    public Task ResumeAsync(CancellationToken cancellationToken)
    {
        Signal(ProcessSignals.Continue(processId), "continue");
        return Task.CompletedTask;
    }

    private void Signal(bool delivered, string what)
    {
        if (!delivered)
        {
            throw new VmmException($"{Description}: cannot {what} the VM: the process is gone");
        }
    }
}
