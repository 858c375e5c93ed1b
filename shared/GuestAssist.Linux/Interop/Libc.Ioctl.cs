using System.Runtime.InteropServices;

namespace GuestAssist.Linux.Interop;

internal static partial class Libc
{
    // Request numbers such as UFFDIO_API (0xC018AA3F) exceed int32: pass them as nuint.
    [LibraryImport(Name, EntryPoint = "ioctl", SetLastError = true)]
    internal static unsafe partial int Ioctl(int fd, nuint request, void* argument);

    [LibraryImport(Name, EntryPoint = "ioctl", SetLastError = true)]
    internal static partial int Ioctl(int fd, nuint request, nint argument);
}
