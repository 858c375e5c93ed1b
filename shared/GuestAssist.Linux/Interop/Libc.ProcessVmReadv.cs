using System.Runtime.InteropServices;

namespace GuestAssist.Linux.Interop;

internal static partial class Libc
{
    // localIov / remoteIov point at arrays of struct iovec { void* base; size_t len; } (16 bytes each).
    [LibraryImport(Name, EntryPoint = "process_vm_readv", SetLastError = true)]
    internal static unsafe partial nint ProcessVmReadv(int pid, void* localIov, nuint localCount, void* remoteIov, nuint remoteCount, nuint flags);
}
