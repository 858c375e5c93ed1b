using System.IO.MemoryMappedFiles;
using GuestAssist.Host.Layout;
using GuestAssist.Linux.Errors;
using GuestAssist.Linux.Files;
using Microsoft.Win32.SafeHandles;

namespace GuestAssist.Host.Source;

/// <summary>
/// Pages from a memory file (snapshot, or a memfd via /proc/PID/fd/N) mapped read-only; GFNs map to offsets by the layout.
/// Opened <c>releasable</c>, the file is also opened for writing so <see cref="Release"/> can punch confirmed pages out of
/// it (fallocate PUNCH_HOLE): their memory or disk blocks go back to the host at once, in every process that maps it.
/// </summary>
public sealed unsafe class MappedFilePageSource : IPageSource
{
    private readonly GuestMemoryLayout _layout;
    private readonly string _path;
    private readonly SafeFileHandle? _writable;
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private readonly ulong _length;

    /// <param name="path">The memory file.</param>
    /// <param name="layout">GFN to file offset.</param>
    /// <param name="releasable">Also open the file for writing, for <see cref="Release"/>; where that is refused (a read-only file or mount) the source only reads.</param>
    public MappedFilePageSource(string path, GuestMemoryLayout layout, bool releasable = false)
    {
        ArgumentNullException.ThrowIfNull(layout);
        _layout = layout;
        _path = path;
        // Open first and ask the descriptor: /proc/PID/fd/N is a symlink whose own length means nothing.
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        if (releasable)
        {
            try
            {
                _writable = File.OpenHandle(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
            }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException)
            {
                _writable = null; // read-only: nothing is released, the transfer is the same
            }
        }
        var length = stream.Length;
        if ((ulong)length < layout.FileBytes)
        {
            stream.Dispose();
            _writable?.Dispose();
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

    public bool CanRelease => _writable is not null;

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

    public long Release(ulong firstGfn, int count)
    {
        if (_writable is null)
        {
            return 0;
        }
        var bytes = (ulong)count * PageSize;
        var offset = _layout.FileOffsetOf(firstGfn);
        if (offset + bytes > _length)
        {
            throw new ArgumentOutOfRangeException(nameof(count), $"frames {firstGfn}+{count} at file offset 0x{offset:x} exceed the file");
        }
        try
        {
            FileSpace.PunchHole(_writable, (long)offset, (long)bytes);
        }
        catch (LinuxException e)
        {
            throw new IOException($"cannot release frames {firstGfn}+{count} of {_path}: {e.Message}", e);
        }
        return (long)bytes;
    }

    public void Dispose()
    {
        _writable?.Dispose();
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }
}
