using System.Runtime.InteropServices;

namespace GuestAssist.Linux.Interop;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "cfmakeraw")]
    internal static unsafe partial void CfMakeRaw(byte* termios);
}
