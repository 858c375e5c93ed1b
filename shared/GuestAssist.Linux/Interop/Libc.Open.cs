using System.Runtime.InteropServices;
using GuestAssist.Linux.Errors;

namespace GuestAssist.Linux.Interop;

internal static partial class Libc
{
    internal const int O_RDONLY = 0;
    internal const int O_RDWR = 2;
    internal const int O_NOCTTY = 0x100;
    internal const int O_NONBLOCK = 0x800;
    internal const int O_CLOEXEC = 0x80000;

    [LibraryImport(Name, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenOnce(string path, int flags, uint mode);

    /// <summary>open(2), EINTR retried; the new descriptor, or -1 with errno set.</summary>
    internal static int Open(string path, int flags, uint mode)
    {
        int result;
        while ((result = OpenOnce(path, flags, mode)) < 0 && LinuxException.LastErrno() == Errno.EINTR)
        {
        }
        return result;
    }
}
