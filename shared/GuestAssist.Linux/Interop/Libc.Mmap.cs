using System.Runtime.InteropServices;

namespace GuestAssist.Linux.Interop;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "mmap", SetLastError = true)]
    internal static partial nint Mmap(nint address, nuint length, int protection, int flags, SafeHandle fd, long offset);

    [LibraryImport(Name, EntryPoint = "mmap", SetLastError = true)]
    private static partial nint MmapNoFile(nint address, nuint length, int protection, int flags, int fd, long offset);

    /// <summary>mmap(2) of anonymous memory (no file: descriptor -1).</summary>
    internal static nint MmapAnonymous(nuint length, int protection, int flags) => MmapNoFile(0, length, protection, flags, -1, 0);
}
