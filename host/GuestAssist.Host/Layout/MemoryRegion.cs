namespace GuestAssist.Host.Layout;

/// <summary>
/// One contiguous piece of guest RAM: guest physical range [GuestPhysicalAddress, +Size), stored at
/// FileOffset in the memory file (snapshot or memfd), and mapped at HostAddress in the VMM (0 if unknown).
/// </summary>
public sealed record MemoryRegion(ulong GuestPhysicalAddress, ulong Size, ulong FileOffset, ulong HostAddress = 0)
{
    public ulong GuestPhysicalEnd => GuestPhysicalAddress + Size;

    public ulong HostEnd => HostAddress + Size;
}
