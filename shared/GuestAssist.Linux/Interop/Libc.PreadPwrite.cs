using System.Runtime.InteropServices;

namespace GuestAssist.Linux.Interop;

internal static partial class Libc
{
    internal const int O_WRONLY = 1;

    [LibraryImport(Name, EntryPoint = "pread", SetLastError = true)]
    internal static unsafe partial nint Pread(int fd, void* buffer, nuint count, long offset);

    [LibraryImport(Name, EntryPoint = "pwrite", SetLastError = true)]
    internal static unsafe partial nint Pwrite(int fd, void* buffer, nuint count, long offset);
}
