using System.Reflection;
using System.Runtime.InteropServices;
using GuestAssist.Linux.Interop;

namespace GuestAssist.Linux.Tests.Interop;

/// <summary>
/// The interop idiom (dotnet/runtime's): imports take SafeHandles, so the marshaller keeps a descriptor open for the
/// call and no caller does DangerousAddRef by hand; calls that can fail with EINTR are private "Once" imports behind a
/// wrapper that retries.
/// </summary>
public partial class InteropConventionTests
{
    /// <summary>Imports that legitimately take a raw number: close (SafeHandle release), mmap's "no file" -1, and KernelFile's allocation-free reads.</summary>
    private static readonly HashSet<string> RawDescriptorImports = ["Close", "MmapNoFile", "PreadOnce", "PwriteOnce"];

    private static IEnumerable<MethodInfo> Imports() =>
        typeof(Libc).GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)
            .Where(m => m.GetCustomAttribute<LibraryImportAttribute>() is not null);

    [Fact]
    public void Descriptor_parameters_are_safe_handles()
    {
        var raw = Imports()
            .Where(m => !RawDescriptorImports.Contains(m.Name))
            .SelectMany(m => m.GetParameters().Where(p => p.ParameterType == typeof(int) && (p.Name == "fd" || p.Name!.EndsWith("Fd", StringComparison.Ordinal))).Select(p => $"{m.Name}({p.Name})"))
            .ToList();
        Assert.Empty(raw);
        Assert.Contains(Imports(), m => m.GetParameters().Any(p => typeof(SafeHandle).IsAssignableFrom(p.ParameterType)));
    }

    [Theory]
    [InlineData("Read")]
    [InlineData("Write")]
    [InlineData("Pread")]
    [InlineData("Pwrite")]
    [InlineData("Ioctl")]
    [InlineData("RecvMsg")]
    [InlineData("SendMsg")]
    [InlineData("EpollWait")]
    [InlineData("Open")]
    [InlineData("Ftruncate")]
    [InlineData("TcSetAttr")]
    [InlineData("ProcessVmReadv")]
    [InlineData("ProcessVmWritev")]
    public void Calls_that_can_be_interrupted_are_wrappers_over_a_private_import(string call)
    {
        var methods = typeof(Libc).GetMethods(BindingFlags.Static | BindingFlags.NonPublic).Where(m => m.Name == call).ToList();
        Assert.NotEmpty(methods);
        Assert.All(methods, m => Assert.Null(m.GetCustomAttribute<LibraryImportAttribute>()));
        Assert.All(
            typeof(Libc).GetMethods(BindingFlags.Static | BindingFlags.NonPublic).Where(m => m.Name == call + "Once"),
            m => Assert.True(m.IsPrivate, $"{m.Name} is the raw import: private"));
    }

    [Fact]
    public unsafe void Wrappers_take_the_handle_and_refuse_a_closed_one()
    {
        // A pipe through the wrappers: the handle is the parameter, and a closed handle is refused, never its old number reused.
        var fds = stackalloc int[2];
        // SAFETY: pipe(2) writes two ints into the stack buffer just allocated.
        Assert.Equal(0, Pipe(fds));
        using var reader = new FileDescriptorHandle(fds[0]);
        using var writer = new FileDescriptorHandle(fds[1]);
        Assert.Equal(1, WriteByte(writer, 42));
        Assert.Equal(42, ReadByte(reader));
        writer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => WriteByte(writer, 1));
    }

    // SAFETY: one byte from a parameter on this frame.
    private static unsafe int WriteByte(SafeHandle fd, byte value) => (int)Libc.Write(fd, &value, 1);

    private static unsafe int ReadByte(SafeHandle fd)
    {
        byte value = 0;
        // SAFETY: one byte into a local on this frame.
        return Libc.Read(fd, &value, 1) == 1 ? value : -1;
    }

    [LibraryImport("libc", EntryPoint = "pipe", SetLastError = true)]
    private static unsafe partial int Pipe(int* fds);
}
