using System.Runtime.InteropServices;

namespace GuestAssist.Host.Tests.Destination;

/// <summary>
/// Touches memory from native code. A thread blocked on a uffd fault inside managed code cannot be suspended
/// for a GC, which would deadlock an in-process fault server that allocates; inside a P/Invoke it can.
/// </summary>
internal static partial class NativeAccess
{
    public static unsafe void Read(ulong address, Span<byte> into)
    {
        fixed (byte* destination = into)
        {
            // SAFETY: copies from a mapped (possibly uffd-registered) address into the pinned span.
            _ = Memcpy((nint)destination, (nint)address, (nuint)into.Length);
        }
    }

    public static byte ReadByte(ulong address)
    {
        Span<byte> one = stackalloc byte[1];
        Read(address, one);
        return one[0];
    }

    public static void Fill(ulong address, byte value, ulong length) => _ = Memset((nint)address, value, (nuint)length);

    [LibraryImport("libc", EntryPoint = "memcpy")]
    private static partial nint Memcpy(nint destination, nint source, nuint length);

    [LibraryImport("libc", EntryPoint = "memset")]
    private static partial nint Memset(nint destination, int value, nuint length);
}
