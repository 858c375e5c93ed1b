using GuestAssist.Linux.Errors;
using GuestAssist.Linux.Interop;

namespace GuestAssist.Linux.Memory;

/// <summary>Anonymous memory files (memfd_create).</summary>
internal static class MemoryFile
{
    private const uint MfdCloexec = 0x1;

    /// <summary>Creates a memfd of <paramref name="size"/> bytes (sparse, reads as zero).</summary>
    public static FileDescriptorHandle Create(string name, ulong size)
    {
        ArgumentNullException.ThrowIfNull(name);
        var fd = Libc.MemfdCreate(name, MfdCloexec);
        if (fd < 0)
        {
            LinuxException.ThrowLast("memfd_create", name);
        }
        var handle = new FileDescriptorHandle(fd);
        if (Libc.Ftruncate(handle, checked((long)size)) != 0)
        {
            var error = LinuxException.FromLast("ftruncate", name, $"{size} bytes");
            handle.Dispose();
            throw error;
        }
        return handle;
    }
}
