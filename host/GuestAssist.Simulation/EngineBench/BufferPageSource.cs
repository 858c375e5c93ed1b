using GuestAssist.Host.Layout;
using GuestAssist.Host.Source;
using GuestAssist.Linux.Memory;

namespace GuestAssist.Simulation.EngineBench;

/// <summary>Source VM memory in an anonymous mapping (flat layout: GFN × page size = offset).</summary>
internal sealed class BufferPageSource(MappedMemory memory, GuestMemoryLayout layout) : IPageSource
{
    public uint PageSize => layout.PageSize;

    public void Read(ulong firstGfn, int count, Span<byte> destination) =>
        memory.AsSpan(firstGfn * PageSize, count * (int)PageSize).CopyTo(destination);

    public void Dispose()
    {
    }
}
