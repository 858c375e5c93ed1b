using System.Runtime.InteropServices;

namespace GuestAssist.Linux.Tests.Userfaultfd;

/// <summary>
/// Touches memory from native code. A thread blocked on a uffd fault inside managed code cannot be suspended
/// for a GC, which would deadlock an in-process fault server that allocates; inside a P/Invoke it can.
/// </summary>
internal static partial class NativeAccess
{
    public static unsafe byte ReadByte(ulong address)
    {
        byte value;
        // SAFETY: copies one byte from a mapped (possibly uffd-registered) address into a local.
        _ = Memcpy((nint)(&value), (nint)address, 1);
        return value;
    }

    public static void Fill(ulong address, byte value, ulong length) => _ = Memset((nint)address, value, (nuint)length);

    public static unsafe void Write(ulong address, ReadOnlySpan<byte> data)
    {
        fixed (byte* source = data)
        {
            // SAFETY: copies the pinned span to a mapped (possibly uffd-registered) address.
            _ = Memcpy((nint)address, (nint)source, (nuint)data.Length);
        }
    }

    [LibraryImport("libc", EntryPoint = "memcpy")]
    private static partial nint Memcpy(nint destination, nint source, nuint length);

    [LibraryImport("libc", EntryPoint = "memset")]
    private static partial nint Memset(nint destination, int value, nuint length);
}
