using GuestAssist.Host.Layout;
using GuestAssist.Linux;
using GuestAssist.Linux.Memory;
using GuestAssist.Linux.Userfaultfd;

namespace GuestAssist.Host.Tests.Destination;

/// <summary>
/// A small in-process "VM": two anonymous regions with a GPA gap between them, registered MISSING with a
/// uffd, and a memfd holding the expected contents (the regions concatenated).
/// </summary>
internal sealed class TestVm : IDisposable
{
    public const ulong Page = 4096;
    public const ulong Region0Frames = 64;
    public const ulong Region1Frames = 32;
    public const ulong Region1FirstGfn = 128;

    public TestVm(UffdFeatures features = UffdFeatures.EventRemove)
    {
        Region0 = MappedMemory.Anonymous(Region0Frames * Page);
        Region1 = MappedMemory.Anonymous(Region1Frames * Page);
        Uffd = Userfaultfd.Create(features);
        Uffd.Register(Region0.Address64, Region0.Length, UffdRegisterMode.Missing);
        Uffd.Register(Region1.Address64, Region1.Length, UffdRegisterMode.Missing);
        Layout = new GuestMemoryLayout(
        [
            new MemoryRegion(0, Region0.Length, 0, Region0.Address64),
            new MemoryRegion(Region1FirstGfn * Page, Region1.Length, Region0.Length, Region1.Address64),
        ]);
        FileBytes = Region0.Length + Region1.Length;
        File = MemoryFile.Create("ga-testvm", FileBytes);
        using var writer = MappedMemory.MapFile(File, FileBytes, protection: MemoryProtection.ReadWrite);
        foreach (var gfn in Frames)
        {
            Pattern(gfn, writer.AsSpan(Layout.FileOffsetOf(gfn), (int)Page));
        }
    }

    public MappedMemory Region0 { get; }

    public MappedMemory Region1 { get; }

    public Userfaultfd Uffd { get; }

    public GuestMemoryLayout Layout { get; }

    public FileDescriptorHandle File { get; }

    public ulong FileBytes { get; }

    public static IEnumerable<ulong> Frames =>
        Enumerable.Range(0, (int)Region0Frames).Select(i => (ulong)i)
            .Concat(Enumerable.Range(0, (int)Region1Frames).Select(i => Region1FirstGfn + (ulong)i));

    public static void Pattern(ulong gfn, Span<byte> page)
    {
        page.Fill((byte)((gfn * 7) + 1));
        BitConverter.TryWriteBytes(page, gfn);
    }

    public static byte[] Expected(ulong gfn)
    {
        var page = new byte[Page];
        Pattern(gfn, page);
        return page;
    }

    /// <summary>Reads the page as the VM would (faulting if needed).</summary>
    public byte[] Touch(ulong gfn)
    {
        var page = new byte[Page];
        NativeAccess.Read(Layout.HostAddressOf(gfn), page);
        return page;
    }

    public void Dispose()
    {
        Uffd.Dispose();
        File.Dispose();
        Region0.Dispose();
        Region1.Dispose();
    }
}
