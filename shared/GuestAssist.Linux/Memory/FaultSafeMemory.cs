using GuestAssist.Linux.Interop;

namespace GuestAssist.Linux.Memory;

/// <summary>
/// Reads memory that may be userfaultfd-registered through native code. A thread blocked on a uffd fault inside
/// managed code cannot be suspended for a garbage collection, which deadlocks a fault server living in the same
/// process as soon as anything allocates; blocked inside a P/Invoke it is already in preemptive mode.
/// </summary>
internal static class FaultSafeMemory
{
    public static unsafe void Read(ulong address, Span<byte> destination)
    {
        fixed (byte* pointer = destination)
        {
            // SAFETY: copies into the pinned span; the caller vouches that [address, +length) is mapped.
            _ = Libc.Memcpy((nint)pointer, (nint)address, (nuint)destination.Length);
        }
    }

    /// <summary>Reads one byte (faulting the page in if it is missing).</summary>
    public static byte Touch(ulong address)
    {
        Span<byte> one = stackalloc byte[1];
        Read(address, one);
        return one[0];
    }
}
