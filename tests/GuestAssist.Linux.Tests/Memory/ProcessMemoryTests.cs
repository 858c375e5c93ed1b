using System.Diagnostics;
using GuestAssist.Linux.Errors;
using GuestAssist.Linux.Memory;

namespace GuestAssist.Linux.Tests.Memory;

public class ProcessMemoryTests
{
    [Fact]
    public void Writes_and_reads_round_trip_through_the_kernel()
    {
        using var memory = MappedMemory.Anonymous(3 * 4096);
        var process = new ProcessMemory(Environment.ProcessId);
        var data = Enumerable.Range(0, 6000).Select(i => (byte)(i * 7)).ToArray();

        Assert.True(process.TryWrite(memory.Address64 + 100, data));
        Assert.Equal(data, memory.AsSpan(100, data.Length).ToArray());
        var back = new byte[data.Length];
        Assert.True(process.TryRead(memory.Address64 + 100, back));
        Assert.Equal(data, back);
    }

    [Fact]
    public void An_unmapped_address_is_a_typed_error_and_a_gone_process_is_false()
    {
        var process = new ProcessMemory(Environment.ProcessId);
        var error = Assert.Throws<LinuxException>(() => process.TryWrite(4096, new byte[16]));
        Assert.Equal(Errno.EFAULT, error.Errno);
        Assert.Contains("process_vm_writev", error.Message);

        using var child = Process.Start("true")!;
        child.WaitForExit();
        var gone = new ProcessMemory(child.Id);
        Assert.False(gone.TryWrite(4096, new byte[16]));
        Assert.False(gone.TryRead(4096, new byte[16]));
    }
}
