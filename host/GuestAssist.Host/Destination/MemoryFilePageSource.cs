using GuestAssist.Host.Layout;
using GuestAssist.Linux;
using GuestAssist.Linux.Memory;

namespace GuestAssist.Host.Destination;

/// <summary>
/// Serves faults from a local memory file (a snapshot or memfd, mapped read-only): each urgent request is
/// answered synchronously by copying the page from <see cref="GuestMemoryLayout.FileOffsetOf"/>. This is
/// what Firecracker's example on-demand handler does.
/// </summary>
public sealed class MemoryFilePageSource : IPageRequester, IDisposable
{
    private readonly MappedMemory _file;
    private readonly GuestMemoryLayout _layout;
    private FaultServer? _server;

    private MemoryFilePageSource(MappedMemory file, GuestMemoryLayout layout)
    {
        _file = file;
        _layout = layout;
    }

    public static MemoryFilePageSource Open(string path, GuestMemoryLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        return Map(handle, (ulong)RandomAccess.GetLength(handle), layout, path);
    }

    public static MemoryFilePageSource FromDescriptor(FileDescriptorHandle fd, ulong fileBytes, GuestMemoryLayout layout) =>
        Map(fd, fileBytes, layout, "memory fd");

    /// <summary>Opens <paramref name="path"/> for the server's layout and makes it the server's page requester.</summary>
    public static MemoryFilePageSource OpenFor(FaultServer server, string path)
    {
        ArgumentNullException.ThrowIfNull(server);
        var source = Open(path, server.Layout);
        source.Attach(server);
        server.AttachRequester(source);
        return source;
    }

    /// <summary>The server whose Install path receives the pages.</summary>
    public void Attach(FaultServer server) => _server = server;

    public void RequestUrgent(ulong gfn)
    {
        var server = _server ?? throw new InvalidOperationException("the memory file page source is not attached to a fault server");
        var offset = _layout.FileOffsetOf(gfn);
        server.Install(gfn, _file.AsSpan(offset, (int)_layout.PageSize));
    }

    public void Dispose() => _file.Dispose();

    private static MemoryFilePageSource Map(System.Runtime.InteropServices.SafeHandle fd, ulong fileBytes, GuestMemoryLayout layout, string what)
    {
        if (fileBytes < layout.FileBytes)
        {
            throw new LayoutException($"{what} has {fileBytes} bytes but the layout needs {layout.FileBytes}");
        }
        return new MemoryFilePageSource(MappedMemory.MapFile(fd, layout.FileBytes), layout);
    }
}
