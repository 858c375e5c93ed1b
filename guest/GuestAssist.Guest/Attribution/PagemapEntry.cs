namespace GuestAssist.Guest.Attribution;

/// <summary>Bits of a /proc/&lt;pid&gt;/pagemap entry (Documentation/admin-guide/mm/pagemap.rst).</summary>
public static class PagemapEntry
{
    /// <summary>Bits 0-54: the frame number (zero without CAP_SYS_ADMIN).</summary>
    public const ulong PfnMask = (1UL << 55) - 1;
    public const ulong SoftDirty = 1UL << 55;
    public const ulong Exclusive = 1UL << 56;
    public const ulong UffdWriteProtected = 1UL << 57;
    public const ulong FileOrShared = 1UL << 61;
    public const ulong Swapped = 1UL << 62;
    public const ulong Present = 1UL << 63;
}
