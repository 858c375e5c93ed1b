using System.Text.Json;
using GuestAssist.Host.Layout;

namespace GuestAssist.Host.Firecracker;

/// <summary>Parses and checks Firecracker's GuestRegionUffdMapping array and turns it into a guest memory layout.</summary>
public static class FirecrackerMappings
{
    /// <summary>x86_64 (Firecracker ≥ 1.13): RAM below the MMIO gap at 3 GiB, the rest from 4 GiB.</summary>
    public const ulong X86HighMemoryStart = 4UL << 30;

    public const ulong X86MmioGapStart = 3UL << 30;

    public static IReadOnlyList<GuestRegionUffdMapping> Parse(ReadOnlySpan<byte> json)
    {
        GuestRegionUffdMapping[]? mappings;
        try
        {
            mappings = JsonSerializer.Deserialize(json, FirecrackerJsonContext.Default.GuestRegionUffdMappingArray);
        }
        catch (JsonException e)
        {
            throw new FirecrackerHandshakeException(HandshakeFailure.MalformedJson, $"not a JSON array of GuestRegionUffdMapping: {e.Message}", e);
        }
        if (mappings is null || mappings.Any(m => m is null))
        {
            throw new FirecrackerHandshakeException(HandshakeFailure.MalformedJson, "null where a GuestRegionUffdMapping array was expected");
        }
        return mappings;
    }

    /// <summary>
    /// Checks the regions (non-empty, page aligned, non-overlapping in the VMM, offsets = sizes of the regions
    /// before, all inside <paramref name="memoryFileBytes"/> when known) and lays them out in guest physical
    /// memory as Firecracker x86_64 does: region 0 at 0 (below the 3 GiB gap), region 1 at 4 GiB, later
    /// regions right after the one before.
    /// </summary>
    public static GuestMemoryLayout ToLayout(IReadOnlyList<GuestRegionUffdMapping> mappings, ulong? memoryFileBytes)
    {
        ArgumentNullException.ThrowIfNull(mappings);
        if (mappings.Count == 0)
        {
            throw Bad("the VMM sent no regions");
        }
        var pageSize = PageSizeOf(mappings[0], 0);
        ulong expectedOffset = 0;
        var regions = new List<MemoryRegion>(mappings.Count);
        ulong nextGpa = 0;
        for (var i = 0; i < mappings.Count; i++)
        {
            var m = mappings[i];
            if (PageSizeOf(m, i) != pageSize)
            {
                throw Bad($"region {i} has page size {PageSizeOf(m, i)}, region 0 has {pageSize}");
            }
            if (m.Size == 0)
            {
                throw Bad($"region {i} is empty");
            }
            if (((m.BaseHostVirtAddr | m.Size | m.Offset) & (pageSize - 1)) != 0)
            {
                throw Bad($"region {i} (host 0x{m.BaseHostVirtAddr:x}, size 0x{m.Size:x}, offset 0x{m.Offset:x}) is not aligned to its {pageSize}-byte pages");
            }
            if (m.BaseHostVirtAddr + m.Size < m.BaseHostVirtAddr)
            {
                throw Bad($"region {i} (host 0x{m.BaseHostVirtAddr:x}, size 0x{m.Size:x}) wraps the address space");
            }
            if (m.Offset != expectedOffset)
            {
                throw Bad($"region {i} has file offset 0x{m.Offset:x}, but the regions before it add up to 0x{expectedOffset:x} (the memory file is the regions concatenated)");
            }
            expectedOffset += m.Size;
            for (var j = 0; j < i; j++)
            {
                var o = mappings[j];
                if (m.BaseHostVirtAddr < o.BaseHostVirtAddr + o.Size && o.BaseHostVirtAddr < m.BaseHostVirtAddr + m.Size)
                {
                    throw Bad($"region {i} (host 0x{m.BaseHostVirtAddr:x}) overlaps region {j} (host 0x{o.BaseHostVirtAddr:x}..0x{o.BaseHostVirtAddr + o.Size:x})");
                }
            }
            var gpa = i == 1 ? Math.Max(nextGpa, X86HighMemoryStart) : nextGpa;
            regions.Add(new MemoryRegion(gpa, m.Size, m.Offset, m.BaseHostVirtAddr));
            nextGpa = gpa + m.Size;
        }
        if (memoryFileBytes is { } fileBytes && expectedOffset > fileBytes)
        {
            throw Bad($"the regions need {expectedOffset} bytes but the memory file has {fileBytes}");
        }
        try
        {
            return new GuestMemoryLayout(regions, checked((uint)pageSize));
        }
        catch (LayoutException e)
        {
            throw Bad(e.Message);
        }
    }

    private static ulong PageSizeOf(GuestRegionUffdMapping m, int index)
    {
        var size = m.PageSize ?? m.PageSizeKib
            ?? throw Bad($"region {index} gives neither page_size nor page_size_kib");
        if (m.PageSize is { } a && m.PageSizeKib is { } b && a != b)
        {
            throw Bad($"region {index} has page_size {a} but page_size_kib {b} (both carry bytes)");
        }
        if (size < 4096 || size > (1UL << 30) || (size & (size - 1)) != 0)
        {
            throw Bad($"region {index} has page size {size}: not a power of two between 4 KiB and 1 GiB");
        }
        return size;
    }

    private static FirecrackerHandshakeException Bad(string message) => new(HandshakeFailure.MappingsDoNotAddUp, message);
}
