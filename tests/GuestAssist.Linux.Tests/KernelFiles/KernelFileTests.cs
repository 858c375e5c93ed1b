using System.Text;
using GuestAssist.Linux.Errors;
using GuestAssist.Linux.KernelFiles;

namespace GuestAssist.Linux.Tests.KernelFiles;

public sealed class KernelFileTests
{
    [Fact]
    public void Reads_a_proc_file_from_its_start()
    {
        Span<byte> buffer = stackalloc byte[64];
        var length = KernelFile.Read("/proc/self/stat", buffer);
        var text = Encoding.ASCII.GetString(buffer[..length]);
        Assert.StartsWith($"{Environment.ProcessId} (", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Writes_a_value_at_offset_zero_in_one_call()
    {
        var path = Path.Combine(Path.GetTempPath(), $"kernelfile-{Guid.NewGuid():N}");
        File.WriteAllText(path, "....");
        try
        {
            KernelFile.Write(path, "on"u8);
            Assert.Equal("on..", File.ReadAllText(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_missing_file_is_a_typed_error_naming_the_path()
    {
        Span<byte> buffer = stackalloc byte[8];
        var missing = $"/proc/{int.MaxValue}/statm";
        LinuxException? error = null;
        try
        {
            KernelFile.Read(missing, buffer);
        }
        catch (LinuxException e)
        {
            error = e;
        }
        Assert.NotNull(error);
        Assert.Equal(Errno.ENOENT, error.Errno);
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryRead_answers_a_missing_file_with_its_errno_and_no_exception()
    {
        Span<byte> buffer = stackalloc byte[8];
        Assert.False(KernelFile.TryRead($"/proc/{int.MaxValue}/statm", buffer, out var length, out var errno));
        Assert.Equal(0, length);
        Assert.Equal(Errno.ENOENT, errno);
        Assert.True(KernelFile.TryRead("/proc/self/stat", buffer, out length, out errno));
        Assert.Equal(8, length);
        Assert.Equal(Errno.None, errno);
    }

    [Fact]
    public void A_refused_write_is_a_typed_error()
    {
        // /proc/self/stat has no write handler: open refuses (or, for root, the write does).
        var error = Assert.Throws<LinuxException>(() => KernelFile.Write("/proc/self/stat", "1"u8));
        Assert.Contains(error.Call, new[] { "open", "write" });
        Assert.Contains("/proc/self/stat", error.Message, StringComparison.Ordinal);
    }
}
