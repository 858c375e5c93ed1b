using GuestAssist.Host.Layout;
using GuestAssist.Linux.Errors;
using GuestAssist.Linux.Memory;

namespace GuestAssist.Host.Source;

/// <summary>
/// Guest memory mapped in this very process (the layout's file offsets are offsets into <paramref name="memory"/>), e.g.
/// a VMM library that holds the guest's RAM itself. Release gives confirmed pages back with madvise: MADV_REMOVE frees
/// shared memory (shmem, memfd) for every mapping, MADV_DONTNEED private anonymous memory (where REMOVE is refused).
/// The source does not own the mapping: the caller keeps it alive and unmaps it.
/// </summary>
internal sealed class OwnedMemoryPageSource(MappedMemory memory, GuestMemoryLayout layout) : IPageSource
{
    private volatile bool _removeRefused;

    public uint PageSize => layout.PageSize;

    public bool CanRelease => true;

    public void Read(ulong firstGfn, int count, Span<byte> destination) =>
        memory.AsSpan(layout.FileOffsetOf(firstGfn), count * (int)PageSize).CopyTo(destination);

    public long Release(ulong firstGfn, int count)
    {
        var offset = layout.FileOffsetOf(firstGfn);
        var bytes = (ulong)count * PageSize;
        if (!_removeRefused)
        {
            try
            {
                memory.Advise(offset, bytes, MemoryAdvice.Remove);
                return (long)bytes;
            }
            catch (LinuxException e) when (e.Errno == Errno.EINVAL)
            {
                _removeRefused = true; // private anonymous memory: DONTNEED frees it
            }
        }
        memory.Advise(offset, bytes, MemoryAdvice.DontNeed);
        return (long)bytes;
    }

    public void Dispose()
    {
    }
}
