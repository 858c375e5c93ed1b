using System.Runtime.InteropServices;

namespace GuestAssist.Linux.Interop;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "memcpy")]
    internal static partial nint Memcpy(nint destination, nint source, nuint length);
}
