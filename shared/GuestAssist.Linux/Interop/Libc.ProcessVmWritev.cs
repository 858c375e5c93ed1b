using System.Runtime.InteropServices;

namespace GuestAssist.Linux.Interop;

internal static partial class Libc
{
    // Same iovec arrays as process_vm_readv; data flows from localIov into the target's remoteIov.
    [LibraryImport(Name, EntryPoint = "process_vm_writev", SetLastError = true)]
    internal static unsafe partial nint ProcessVmWritev(int pid, void* localIov, nuint localCount, void* remoteIov, nuint remoteCount, nuint flags);
}
