namespace GuestAssist.Host.Firecracker;

/// <summary>
/// One entry of Firecracker's handshake: a guest memory region as mapped in the VMM. <c>offset</c> is the
/// region's place in the memory file (the regions concatenated). <c>page_size</c> appeared in v1.12;
/// <c>page_size_kib</c> (v1.7–v1.11, deprecated since) carries the page size in bytes despite its name; up to v1.6
/// neither is sent and the page size is the host's.
/// </summary>
public sealed record GuestRegionUffdMapping
{
    /// <summary>JSON <c>base_host_virt_addr</c>.</summary>
    public ulong BaseHostVirtAddr { get; init; }

    /// <summary>JSON <c>size</c>.</summary>
    public ulong Size { get; init; }

    /// <summary>JSON <c>offset</c>.</summary>
    public ulong Offset { get; init; }

    /// <summary>JSON <c>page_size</c>, when sent.</summary>
    public ulong? PageSize { get; init; }

    /// <summary>JSON <c>page_size_kib</c>, when sent (bytes).</summary>
    public ulong? PageSizeKib { get; init; }
}
