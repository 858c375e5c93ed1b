using System.Runtime.InteropServices;

namespace GuestAssist.Linux.Interop;

internal static partial class Libc
{
    /// <summary>Bytes reserved for an opaque glibc struct termios (60 bytes on x86_64; only libc reads it).</summary>
    internal const int TermiosBufferSize = 128;

    [LibraryImport(Name, EntryPoint = "tcgetattr", SetLastError = true)]
    internal static unsafe partial int TcGetAttr(SafeHandle fd, byte* termios);
}
