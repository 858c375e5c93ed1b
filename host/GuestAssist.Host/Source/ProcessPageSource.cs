using GuestAssist.Host.Layout;
using GuestAssist.Linux.Errors;
using GuestAssist.Linux.Memory;

namespace GuestAssist.Host.Source;

/// <summary>Pages read from a live (stopped) VM process with process_vm_readv; the layout gives each region's host address.</summary>
public sealed class ProcessPageSource : IPageSource
{
    private readonly GuestMemoryLayout _layout;
    private readonly ProcessMemory _reader;

    public ProcessPageSource(int pid, GuestMemoryLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        _layout = layout;
        _reader = new ProcessMemory(pid);
    }

    public uint PageSize => _layout.PageSize;

    public void Read(ulong firstGfn, int count, Span<byte> destination)
    {
        var bytes = count * (int)PageSize;
        if (!_reader.TryRead(_layout.HostAddressOf(firstGfn), destination[..bytes]))
        {
            throw new LinuxException(Errno.ESRCH, "process_vm_readv", $"pid {_reader.Pid}", "the VM process exited");
        }
    }

    public void Dispose()
    {
    }
}
