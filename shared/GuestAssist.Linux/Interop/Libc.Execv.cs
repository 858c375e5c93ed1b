using System.Runtime.InteropServices;

namespace GuestAssist.Linux.Interop;

internal static partial class Libc
{
    /// <summary>execv(2): argv is a NULL-terminated array of NUL-terminated strings; returns only on failure.</summary>
    [LibraryImport(Name, EntryPoint = "execv", SetLastError = true)]
    internal static unsafe partial int Execv(byte* path, byte** argv);
}
