namespace GuestAssist.Host.Layout;

/// <summary>
/// Where each guest frame lives: GFN ranges mapped to offsets in a memory file and to VMM host addresses.
/// Regions are sorted by guest address, page aligned and non-overlapping (checked on construction).
/// </summary>
public sealed class GuestMemoryLayout
{
    /// <summary>x86_64 guests address at most 52 bits of physical memory.</summary>
    public const ulong MaxGuestPhysicalAddress = 1UL << 52;

    private const ulong GiB = 1UL << 30;
    private const ulong FourGiB = 4 * GiB;

    private readonly MemoryRegion[] _regions;

    public GuestMemoryLayout(IEnumerable<MemoryRegion> regions, uint pageSize = 4096)
    {
        ArgumentNullException.ThrowIfNull(regions);
        if (pageSize == 0 || (pageSize & (pageSize - 1)) != 0)
        {
            throw new LayoutException(LayoutErrorKind.Misaligned, $"page size {pageSize} is not a power of two");
        }
        PageSize = pageSize;
        PageShift = System.Numerics.BitOperations.TrailingZeroCount(pageSize);
        _regions = [.. regions.OrderBy(r => r.GuestPhysicalAddress)];
        if (_regions.Length == 0)
        {
            throw new LayoutException(LayoutErrorKind.Empty, "a guest memory layout needs at least one region");
        }
        for (var i = 0; i < _regions.Length; i++)
        {
            var r = _regions[i];
            if (r.Size == 0)
            {
                throw new LayoutException(LayoutErrorKind.Empty, $"region {i} (GPA 0x{r.GuestPhysicalAddress:x}) is empty");
            }
            if (((r.GuestPhysicalAddress | r.Size | r.FileOffset | r.HostAddress) & (pageSize - 1)) != 0)
            {
                throw new LayoutException(LayoutErrorKind.Misaligned, $"region {i} (GPA 0x{r.GuestPhysicalAddress:x}, size 0x{r.Size:x}, offset 0x{r.FileOffset:x}, host 0x{r.HostAddress:x}) is not aligned to the {pageSize}-byte page size");
            }
            if (r.GuestPhysicalEnd < r.GuestPhysicalAddress || r.FileOffset + r.Size < r.FileOffset || r.HostEnd < r.HostAddress)
            {
                throw new LayoutException(LayoutErrorKind.OutOfRange, $"region {i} (GPA 0x{r.GuestPhysicalAddress:x}, size 0x{r.Size:x}) overflows the address space");
            }
            if (r.GuestPhysicalEnd > MaxGuestPhysicalAddress)
            {
                throw new LayoutException(LayoutErrorKind.OutOfRange, $"region {i} (GPA 0x{r.GuestPhysicalAddress:x}..0x{r.GuestPhysicalEnd:x}) ends beyond the 52-bit guest physical address space");
            }
            if (i > 0 && _regions[i - 1].GuestPhysicalEnd > r.GuestPhysicalAddress)
            {
                throw new LayoutException(LayoutErrorKind.Overlap, $"region {i} (GPA 0x{r.GuestPhysicalAddress:x}) overlaps region {i - 1} (GPA 0x{_regions[i - 1].GuestPhysicalAddress:x}..0x{_regions[i - 1].GuestPhysicalEnd:x})");
            }
        }
        for (var i = 0; i < _regions.Length; i++)
        {
            for (var j = i + 1; j < _regions.Length; j++)
            {
                var a = _regions[i];
                var b = _regions[j];
                if (a.FileOffset < b.FileOffset + b.Size && b.FileOffset < a.FileOffset + a.Size)
                {
                    throw new LayoutException(LayoutErrorKind.FileOverlap, $"regions {i} and {j} overlap in the memory file (offsets 0x{a.FileOffset:x} and 0x{b.FileOffset:x})");
                }
                if (a.HostAddress != 0 && b.HostAddress != 0 && a.HostAddress < b.HostEnd && b.HostAddress < a.HostEnd)
                {
                    throw new LayoutException(LayoutErrorKind.HostOverlap, $"regions {i} and {j} overlap in host memory (0x{a.HostAddress:x} and 0x{b.HostAddress:x})");
                }
            }
        }
        TotalFrames = _regions[^1].GuestPhysicalEnd >> PageShift;
        MemoryBytes = (ulong)_regions.Sum(r => (decimal)r.Size);
        FileBytes = _regions.Max(r => r.FileOffset + r.Size);
    }

    public uint PageSize { get; }

    /// <summary>
    /// Firecracker x86_64 (v1.13 and later): RAM from GPA 0 up to the MMIO gap at 3 GiB, the rest from 4 GiB.
    /// The snapshot memory file holds the regions concatenated (region 1 starts at file offset 3 GiB).
    /// </summary>
    public static GuestMemoryLayout Firecracker(ulong memoryBytes) =>
        SplitAtFourGiB(nameof(Firecracker), memoryBytes, lowMemoryBytes: Math.Min(memoryBytes, 3 * GiB));

    /// <summary>
    /// QEMU pc (i440fx): low RAM up to 0xE0000000 when the guest has at least that much, the rest from 4 GiB.
    /// With <paramref name="gigabyteAlign"/> (the machine property of newer machine types) low RAM stops at
    /// 3 GiB instead once RAM reaches 0xE0000000. The memory file is the one RAM block: high part after the low.
    /// </summary>
    public static GuestMemoryLayout QemuPc(ulong memoryBytes, bool gigabyteAlign = false)
    {
        var lowLimit = memoryBytes >= 0xE000_0000UL && gigabyteAlign ? 3 * GiB : 0xE000_0000UL;
        return SplitAtFourGiB(nameof(QemuPc), memoryBytes, Math.Min(memoryBytes, lowLimit));
    }

    /// <summary>
    /// QEMU q35: low RAM is 2 GiB when the guest has at least 0xB0000000 bytes (room for the PCIe ECAM window),
    /// otherwise all RAM is low. The memory file is the one RAM block: high part after the low.
    /// </summary>
    public static GuestMemoryLayout QemuQ35(ulong memoryBytes)
    {
        var low = memoryBytes >= 0xB000_0000UL ? 2 * GiB : memoryBytes;
        return SplitAtFourGiB(nameof(QemuQ35), memoryBytes, low);
    }

    public int PageShift { get; }

    public IReadOnlyList<MemoryRegion> Regions => _regions;

    /// <summary>Size of the guest frame number space: highest GPA end / page size (includes holes).</summary>
    public ulong TotalFrames { get; }

    /// <summary>Bytes of RAM (sum of region sizes, holes excluded).</summary>
    public ulong MemoryBytes { get; }

    /// <summary>Bytes the memory file must have.</summary>
    public ulong FileBytes { get; }

    /// <summary>Region holding <paramref name="gfn"/>, or false when the frame is in a hole (MMIO gap) or beyond RAM.</summary>
    public bool TryGetRegion(ulong gfn, out MemoryRegion region, out int index)
    {
        var gpa = gfn << PageShift;
        int lo = 0, hi = _regions.Length - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var r = _regions[mid];
            if (gpa < r.GuestPhysicalAddress)
            {
                hi = mid - 1;
            }
            else if (gpa >= r.GuestPhysicalEnd)
            {
                lo = mid + 1;
            }
            else
            {
                region = r;
                index = mid;
                return true;
            }
        }
        region = null!;
        index = -1;
        return false;
    }

    public bool IsBacked(ulong gfn) => TryGetRegion(gfn, out _, out _);

    public ulong FileOffsetOf(ulong gfn)
    {
        var region = RegionOf(gfn);
        return region.FileOffset + ((gfn << PageShift) - region.GuestPhysicalAddress);
    }

    public ulong HostAddressOf(ulong gfn)
    {
        var region = RegionOf(gfn);
        if (region.HostAddress == 0)
        {
            throw new LayoutException(LayoutErrorKind.NoHostAddress, $"GFN 0x{gfn:x} is in a region without a host address");
        }
        return region.HostAddress + ((gfn << PageShift) - region.GuestPhysicalAddress);
    }

    /// <summary>GFN of a VMM host address (a fault address), or false when no region maps it.</summary>
    public bool TryGetGfnOfHostAddress(ulong hostAddress, out ulong gfn)
    {
        foreach (var r in _regions)
        {
            if (r.HostAddress != 0 && hostAddress >= r.HostAddress && hostAddress < r.HostEnd)
            {
                gfn = (r.GuestPhysicalAddress + (hostAddress - r.HostAddress)) >> PageShift;
                return true;
            }
        }
        gfn = 0;
        return false;
    }

    /// <summary>The same layout with each region (in guest address order) mapped at the given host base address.</summary>
    public GuestMemoryLayout WithHostAddresses(IReadOnlyList<ulong> hostBases)
    {
        ArgumentNullException.ThrowIfNull(hostBases);
        if (hostBases.Count != _regions.Length)
        {
            throw new LayoutException(LayoutErrorKind.Invalid, $"{hostBases.Count} host addresses given for {_regions.Length} regions");
        }
        return new GuestMemoryLayout(_regions.Select((r, i) => r with { HostAddress = hostBases[i] }), PageSize);
    }

    private static GuestMemoryLayout SplitAtFourGiB(string preset, ulong memoryBytes, ulong lowMemoryBytes)
    {
        if (memoryBytes == 0)
        {
            throw new LayoutException(LayoutErrorKind.Empty, $"{preset}: a guest needs some memory");
        }
        if ((memoryBytes & 0xFFF) != 0)
        {
            throw new LayoutException(LayoutErrorKind.Misaligned, $"{preset}: memory size 0x{memoryBytes:x} is not a multiple of 4096");
        }
        if (memoryBytes > MaxGuestPhysicalAddress - FourGiB)
        {
            throw new LayoutException(LayoutErrorKind.OutOfRange, $"{preset}: memory size 0x{memoryBytes:x} does not fit the 52-bit guest physical address space");
        }
        var regions = new List<MemoryRegion>(2) { new(0, lowMemoryBytes, 0) };
        if (memoryBytes > lowMemoryBytes)
        {
            regions.Add(new MemoryRegion(FourGiB, memoryBytes - lowMemoryBytes, lowMemoryBytes));
        }
        return new GuestMemoryLayout(regions);
    }

    private MemoryRegion RegionOf(ulong gfn) =>
        TryGetRegion(gfn, out var region, out _)
            ? region
            : throw new LayoutException(LayoutErrorKind.NotBacked, $"GFN 0x{gfn:x} (GPA 0x{gfn << PageShift:x}) is not backed by any region");
}
