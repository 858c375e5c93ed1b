using GuestAssist.Host.Layout;
using GuestAssist.Linux;
using GuestAssist.Linux.Files;
using GuestAssist.Linux.Memory;

namespace GuestAssist.Host.Tests.Source;

/// <summary>A test VM's memory: a memfd with random contents, mapped shared as a VMM maps it, reached as /proc/self/fd/N.</summary>
internal sealed class GuestMemoryFile : IDisposable
{
    public GuestMemoryFile(GuestMemoryLayout layout, int seed = 5)
    {
        Handle = MemoryFile.Create("guestassist-test-vm", layout.FileBytes);
        Mapping = MappedMemory.MapFile(Handle, layout.FileBytes, 0, MemoryProtection.ReadWrite, shared: true);
        new Random(seed).NextBytes(Mapping.AsSpan(0, (int)layout.FileBytes));
        Layout = layout.WithHostAddresses(layout.Regions.Select(r => Mapping.Address64 + r.FileOffset).ToArray());
    }

    public FileDescriptorHandle Handle { get; }

    public MappedMemory Mapping { get; }

    /// <summary>The layout with the host address of each region in <see cref="Mapping"/>.</summary>
    public GuestMemoryLayout Layout { get; }

    public string Path => $"/proc/self/fd/{Handle.Fd}";

    public byte[] Contents() => Mapping.AsSpan(0, (int)Mapping.Length).ToArray();

    /// <summary>Bytes of the file that still hold data (SEEK_DATA extents): what releasing gave back shows as less.</summary>
    public long DataBytes()
    {
        using var file = File.OpenHandle(Path);
        return SparseFile.DataExtents(file).Sum(e => e.Length);
    }

    public void Dispose()
    {
        Mapping.Dispose();
        Handle.Dispose();
    }
}
