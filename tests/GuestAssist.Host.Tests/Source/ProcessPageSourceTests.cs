using System.Runtime.InteropServices;
using GuestAssist.Host.Layout;
using GuestAssist.Host.Source;
using GuestAssist.Linux.Errors;

namespace GuestAssist.Host.Tests.Source;

public class ProcessPageSourceTests
{
    [Fact]
    public unsafe void Reads_pages_of_a_live_process_with_process_vm_readv()
    {
        var memory = (byte*)NativeMemory.AlignedAlloc(4 * 4096, 4096);
        try
        {
            var pages = new Span<byte>(memory, 4 * 4096);
            new Random(3).NextBytes(pages);
            var layout = new GuestMemoryLayout([new MemoryRegion(0, 4 * 4096, 0, (ulong)memory)]);
            using var source = new ProcessPageSource(Environment.ProcessId, layout);
            var copy = new byte[2 * 4096];
            source.Read(1, 2, copy);
            Assert.True(copy.AsSpan().SequenceEqual(pages.Slice(4096, 2 * 4096)));
        }
        finally
        {
            NativeMemory.AlignedFree(memory);
        }
    }

    [Fact]
    public void An_unmapped_address_is_a_typed_error()
    {
        var layout = new GuestMemoryLayout([new MemoryRegion(0, 4096, 0, 0x1000)]);
        using var source = new ProcessPageSource(Environment.ProcessId, layout);
        var error = Assert.Throws<LinuxException>(() => source.Read(0, 1, new byte[4096]));
        Assert.Equal(Errno.EFAULT, error.Errno);
    }
}
