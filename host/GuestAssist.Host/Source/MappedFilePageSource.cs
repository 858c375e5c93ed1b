using System.IO.MemoryMappedFiles;
using GuestAssist.Host.Layout;

namespace GuestAssist.Host.Source;

/// <summary>Pages from a memory file (snapshot, or a memfd via /proc/PID/fd/N) mapped read-only; GFNs map to offsets by the layout.</summary>
public sealed unsafe class MappedFilePageSource : IPageSource
{
    private readonly GuestMemoryLayout _layout;
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private readonly ulong _length;

    public MappedFilePageSource(string path, GuestMemoryLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        _layout = layout;
        // Open first and ask the descriptor: /proc/PID/fd/N is a symlink whose own length means nothing.
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var length = stream.Length;
        if ((ulong)length < layout.FileBytes)
        {
            stream.Dispose();
            throw new LayoutException($"memory file {path} has {length} bytes, the layout needs {layout.FileBytes}");
        }
        _file = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        _view = _file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* pointer = null;
        // SAFETY: the view stays mapped (and the pointer acquired) until Dispose releases it.
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _base = pointer + _view.PointerOffset;
        _length = (ulong)length;
    }

    public uint PageSize => _layout.PageSize;

    public void Read(ulong firstGfn, int count, Span<byte> destination)
    {
        var bytes = (ulong)count * PageSize;
        var offset = _layout.FileOffsetOf(firstGfn);
        if (offset + bytes > _length || (ulong)destination.Length < bytes)
        {
            throw new ArgumentOutOfRangeException(nameof(count), $"frames {firstGfn}+{count} at file offset 0x{offset:x} exceed the file or the buffer");
        }
        // SAFETY: offset + bytes is within the mapped file length checked above.
        new ReadOnlySpan<byte>(_base + offset, (int)bytes).CopyTo(destination);
    }

    public void Dispose()
    {
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }
}
