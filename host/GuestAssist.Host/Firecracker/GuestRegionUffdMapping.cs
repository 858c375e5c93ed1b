using System.Text.Json.Serialization;

namespace GuestAssist.Host.Firecracker;

/// <summary>
/// One entry of Firecracker's handshake: a guest memory region as mapped in the VMM. <c>offset</c> is the
/// region's place in the memory file (the regions concatenated). <c>page_size_kib</c> is deprecated and,
/// despite its name, carries the page size in bytes.
/// </summary>
public sealed record GuestRegionUffdMapping
{
    [JsonRequired]
    [JsonPropertyName("base_host_virt_addr")]
    public ulong BaseHostVirtAddr { get; init; }

    [JsonRequired]
    [JsonPropertyName("size")]
    public ulong Size { get; init; }

    [JsonRequired]
    [JsonPropertyName("offset")]
    public ulong Offset { get; init; }

    [JsonPropertyName("page_size")]
    public ulong? PageSize { get; init; }

    [JsonPropertyName("page_size_kib")]
    public ulong? PageSizeKib { get; init; }
}
