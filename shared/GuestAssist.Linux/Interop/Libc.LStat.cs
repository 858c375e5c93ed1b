using System.Runtime.InteropServices;
using GuestAssist.Linux.Errors;

namespace GuestAssist.Linux.Interop;

internal static partial class Libc
{
    /// <summary>sizeof(struct stat) on x86_64.</summary>
    internal const int StatSize = 144;

    /// <summary>Offset of st_mode (u32) in struct stat on x86_64.</summary>
    internal const int StatModeOffset = 24;

    internal const uint S_IFMT = 0xF000;
    internal const uint S_IFSOCK = 0xC000;
    internal const uint S_IFDIR = 0x4000;
    internal const uint S_IFCHR = 0x2000;

    // glibc >= 2.33 exports lstat as a real symbol (older ones only had __lxstat).
    [LibraryImport(Name, EntryPoint = "lstat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int LStatOnce(string path, byte* stat);

    /// <summary>lstat(2) into a <see cref="StatSize"/>-byte buffer, EINTR retried; -1 with errno set on failure.</summary>
    internal static unsafe int LStat(string path, byte* stat)
    {
        int result;
        while ((result = LStatOnce(path, stat)) < 0 && LinuxException.LastErrno() == Errno.EINTR)
        {
        }
        return result;
    }
}
