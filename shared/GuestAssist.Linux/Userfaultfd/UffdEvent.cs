namespace GuestAssist.Linux.Userfaultfd;

/// <summary>
/// One decoded uffd_msg. Which properties mean something depends on <see cref="Kind"/>:
/// Pagefault → Address, PagefaultFlags, ThreadId; Remove/Unmap → Start, End (exclusive);
/// Remap → From, To, Length; Fork → ForkFd (a new uffd owned by the reader).
/// </summary>
public readonly record struct UffdEvent(UffdEventKind Kind, ulong Arg0, ulong Arg1, ulong Arg2)
{
    public ulong Address => Arg1;

    public UffdPagefaultFlags PagefaultFlags => (UffdPagefaultFlags)Arg0;

    public uint ThreadId => (uint)Arg2;

    public ulong Start => Arg0;

    public ulong End => Arg1;

    public ulong From => Arg0;

    public ulong To => Arg1;

    public ulong Length => Arg2;

    public int ForkFd => (int)(uint)Arg0;

    public static UffdEvent Pagefault(ulong address, UffdPagefaultFlags flags, uint threadId = 0) =>
        new(UffdEventKind.Pagefault, (ulong)flags, address, threadId);

    public static UffdEvent Remove(ulong start, ulong end) => new(UffdEventKind.Remove, start, end, 0);

    public static UffdEvent Unmap(ulong start, ulong end) => new(UffdEventKind.Unmap, start, end, 0);

    internal static UffdEvent FromMessage(in UffdMessage message) => (UffdEventKind)message.Event switch
    {
        UffdEventKind.Pagefault => new(UffdEventKind.Pagefault, message.Arg0, message.Arg1, message.ThreadId),
        UffdEventKind.Fork => new(UffdEventKind.Fork, message.ForkFd, 0, 0),
        var kind => new(kind, message.Arg0, message.Arg1, message.Arg2),
    };

    public override string ToString() => Kind switch
    {
        UffdEventKind.Pagefault => $"Pagefault(0x{Address:x}, {PagefaultFlags}, tid {ThreadId})",
        UffdEventKind.Remove or UffdEventKind.Unmap => $"{Kind}(0x{Start:x}..0x{End:x})",
        UffdEventKind.Remap => $"Remap(0x{From:x} -> 0x{To:x}, {Length} bytes)",
        UffdEventKind.Fork => $"Fork(uffd {ForkFd})",
        _ => $"{Kind}",
    };
}
