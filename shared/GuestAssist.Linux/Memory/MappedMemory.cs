using System.Runtime.InteropServices;
using GuestAssist.Linux.Errors;
using GuestAssist.Linux.Interop;

namespace GuestAssist.Linux.Memory;

/// <summary>An owned mmap'd range, unmapped when released.</summary>
internal sealed class MappedMemory : SafeHandle
{
    private static readonly nint MapFailed = -1;

    private MappedMemory(nint address, ulong length)
        : base(invalidHandleValue: 0, ownsHandle: true)
    {
        SetHandle(address);
        Length = length;
    }

    /// <summary>Start address; valid while the mapping is alive.</summary>
    public nint Address => handle;

    public ulong Address64 => (ulong)handle;

    public ulong Length { get; }

    public override bool IsInvalid => handle == 0;

    /// <summary>Private anonymous zero-filled memory (MAP_NORESERVE: pages are allocated on first touch).</summary>
    public static MappedMemory Anonymous(ulong length, MemoryProtection protection = MemoryProtection.ReadWrite) =>
        Map(length, protection, MapFlags.Private | MapFlags.Anonymous | MapFlags.NoReserve, fd: null, offset: 0);

    /// <summary>Maps <paramref name="length"/> bytes of a file or memfd from <paramref name="offset"/>.</summary>
    public static MappedMemory MapFile(SafeHandle fd, ulong length, long offset = 0, MemoryProtection protection = MemoryProtection.Read, bool shared = true)
    {
        ArgumentNullException.ThrowIfNull(fd);
        return Map(length, protection, shared ? MapFlags.Shared : MapFlags.Private, fd, offset);
    }

    public static MappedMemory Map(ulong length, MemoryProtection protection, MapFlags flags, SafeHandle? fd, long offset)
    {
        if (length == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(length), "a mapping needs at least one byte");
        }
        var address = fd is null
            ? Libc.MmapAnonymous((nuint)length, (int)protection, (int)flags)
            : Libc.Mmap(0, (nuint)length, (int)protection, (int)flags, fd, offset);
        if (address == MapFailed)
        {
            LinuxException.ThrowLast("mmap", detail: $"{length} bytes, {flags}");
        }
        return new MappedMemory(address, length);
    }

    /// <summary>The bytes at [offset, offset + length); valid only while this mapping is alive.</summary>
    public unsafe Span<byte> AsSpan(ulong offset, int length)
    {
        CheckRange(offset, (ulong)length);
        // SAFETY: the range was checked against the mapping, which stays mapped while the caller holds it.
        return new Span<byte>((byte*)handle + offset, length);
    }

    /// <summary>madvise on [offset, offset + length) of this mapping.</summary>
    public void Advise(ulong offset, ulong length, MemoryAdvice advice)
    {
        CheckRange(offset, length);
        Advise(handle + (nint)offset, length, advice);
    }

    /// <summary>madvise on any range (it may belong to another owner, e.g. a registered region).</summary>
    public static void Advise(nint address, ulong length, MemoryAdvice advice)
    {
        if (Libc.Madvise(address, (nuint)length, (int)advice) != 0)
        {
            LinuxException.ThrowLast("madvise", detail: $"0x{address:x}+{length} {advice}");
        }
    }

    protected override bool ReleaseHandle() => Libc.Munmap(handle, (nuint)Length) == 0;

    private void CheckRange(ulong offset, ulong length)
    {
        ObjectDisposedException.ThrowIf(IsClosed, this);
        if (offset > Length || length > Length - offset)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"[{offset}, +{length}) is outside the {Length}-byte mapping");
        }
    }
}
