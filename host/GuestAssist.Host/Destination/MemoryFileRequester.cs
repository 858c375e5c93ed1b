using GuestAssist.Host.Layout;
using GuestAssist.Linux;
using GuestAssist.Linux.Memory;

namespace GuestAssist.Host.Destination;

/// <summary>
/// A page requester that serves faults from a local memory file (a snapshot or memfd, mapped read-only): each urgent request is
/// answered synchronously by copying the page from <see cref="GuestMemoryLayout.FileOffsetOf"/>. This is
/// what Firecracker's example on-demand handler does.
/// </summary>
public sealed class MemoryFileRequester : IPageRequester, IDisposable
{
    private readonly MappedMemory _file;
    private readonly GuestMemoryLayout _layout;
    private readonly FaultServer _server;

    private MemoryFileRequester(MappedMemory file, FaultServer server)
    {
        _file = file;
        _server = server;
        _layout = server.Layout;
    }

    /// <summary>Opens <paramref name="path"/> for the server's layout, to install into <paramref name="server"/>; use as the server's requester factory.</summary>
    public static MemoryFileRequester OpenFor(FaultServer server, string path)
    {
        ArgumentNullException.ThrowIfNull(server);
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        return Map(handle, (ulong)RandomAccess.GetLength(handle), server, path);
    }

    /// <summary>Maps an open memory file (e.g. a memfd) for the server's layout; use as the server's requester factory.</summary>
    public static MemoryFileRequester FromDescriptor(FaultServer server, FileDescriptorHandle fd, ulong fileBytes)
    {
        ArgumentNullException.ThrowIfNull(server);
        return Map(fd, fileBytes, server, "memory fd");
    }

    public void RequestUrgent(ulong gfn)
    {
        var offset = _layout.FileOffsetOf(gfn);
        _server.Install(gfn, _file.AsSpan(offset, (int)_layout.PageSize));
    }

    public void Dispose() => _file.Dispose();

    private static MemoryFileRequester Map(System.Runtime.InteropServices.SafeHandle fd, ulong fileBytes, FaultServer server, string what)
    {
        var layout = server.Layout;
        if (fileBytes < layout.FileBytes)
        {
            throw new LayoutException($"{what} has {fileBytes} bytes but the layout needs {layout.FileBytes}");
        }
        return new MemoryFileRequester(MappedMemory.MapFile(fd, layout.FileBytes), server);
    }
}
