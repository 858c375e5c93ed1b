using System.Text.Json;
using GuestAssist.Host.Layout;

namespace GuestAssist.Host.Firecracker;

/// <summary>Parses and checks Firecracker's GuestRegionUffdMapping array and turns it into a guest memory layout.</summary>
internal static class FirecrackerMappings
{
    /// <summary>x86_64 (Firecracker ≥ 1.13): RAM below the MMIO gap at 3 GiB, the rest from 4 GiB.</summary>
    public const ulong X86HighMemoryStart = 4UL << 30;

    public const ulong X86MmioGapStart = 3UL << 30;

    /// <summary>
    /// Parses the handshake: a JSON array of objects with base_host_virt_addr, size and offset (unsigned
    /// integers) and, depending on the Firecracker version, page_size and/or page_size_kib (both in bytes; ≤ v1.6
    /// sends neither). Unknown fields are ignored.
    /// </summary>
    public static IReadOnlyList<GuestRegionUffdMapping> Parse(ReadOnlySpan<byte> json)
    {
        JsonDocument document;
        try
        {
            // JsonDocument.Parse takes memory, not a span: the handshake is a few hundred bytes.
            document = JsonDocument.Parse(json.ToArray());
        }
        catch (JsonException e)
        {
            throw Malformed($"not valid JSON (line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1})");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Array)
            {
                throw Malformed($"not a JSON array of GuestRegionUffdMapping (the message is a JSON {Describe(root.ValueKind)})");
            }
            var mappings = new List<GuestRegionUffdMapping>(root.GetArrayLength());
            var index = 0;
            foreach (var element in root.EnumerateArray())
            {
                if (element.ValueKind != JsonValueKind.Object)
                {
                    throw Malformed($"region {index} is a JSON {Describe(element.ValueKind)}, not a GuestRegionUffdMapping object");
                }
                mappings.Add(new GuestRegionUffdMapping
                {
                    BaseHostVirtAddr = Required(element, index, "base_host_virt_addr"),
                    Size = Required(element, index, "size"),
                    Offset = Required(element, index, "offset"),
                    PageSize = Optional(element, index, "page_size"),
                    PageSizeKib = Optional(element, index, "page_size_kib"),
                });
                index++;
            }
            return mappings;
        }
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

    /// <summary>
    /// The region's page size: page_size (≥ v1.12), else page_size_kib (v1.7–v1.11, bytes despite its name), else the
    /// host's page size (≤ v1.6 sent neither; Firecracker then only supported host-sized pages).
    /// </summary>
    private static ulong PageSizeOf(GuestRegionUffdMapping m, int index)
    {
        var size = m.PageSize ?? m.PageSizeKib ?? (ulong)Environment.SystemPageSize;
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

    private static FirecrackerHandshakeException Malformed(string message) => new(HandshakeFailure.MalformedJson, message);

    private static ulong Required(JsonElement region, int index, string name) =>
        Optional(region, index, name) ?? throw Malformed($"region {index} has no \"{name}\"");

    private static ulong? Optional(JsonElement region, int index, string name)
    {
        if (!region.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return value.ValueKind == JsonValueKind.Number && value.TryGetUInt64(out var number)
            ? number
            : throw Malformed($"region {index} has \"{name}\" = {Truncate(value.GetRawText())}, not an unsigned 64-bit integer");
    }

    private static string Truncate(string text) => PrintableText.Escape(text.Length <= 40 ? text : text[..40] + "…");

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => "null",
    };
}
