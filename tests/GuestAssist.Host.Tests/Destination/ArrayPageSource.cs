using GuestAssist.Host.Layout;
using GuestAssist.Host.Source;

namespace GuestAssist.Host.Tests.Destination;

/// <summary>Guest memory in an array, laid out as the memory file of <see cref="GuestMemoryLayout"/>.</summary>
internal sealed class ArrayPageSource(byte[] file, GuestMemoryLayout layout) : IPageSource
{
    public uint PageSize => layout.PageSize;

    public void Read(ulong firstGfn, int count, Span<byte> destination) =>
        file.AsSpan((int)layout.FileOffsetOf(firstGfn), count * (int)PageSize).CopyTo(destination);

    public void Dispose()
    {
    }
}
