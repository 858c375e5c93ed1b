using System.Runtime.InteropServices;

namespace GuestAssist.Linux.Interop;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "eventfd", SetLastError = true)]
    internal static partial int Eventfd(uint initialValue, int flags);
}
