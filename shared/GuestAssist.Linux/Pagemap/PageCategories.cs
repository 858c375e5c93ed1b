namespace GuestAssist.Linux.Pagemap;

/// <summary>PAGE_IS_* categories of PAGEMAP_SCAN (include/uapi/linux/fs.h).</summary>
[Flags]
internal enum PageCategories : ulong
{
    None = 0,
    WpAsync = 1UL << 0,
    Written = 1UL << 1,
    File = 1UL << 2,
    Present = 1UL << 3,
    Swapped = 1UL << 4,
    PfnZero = 1UL << 5,
    Huge = 1UL << 6,
    SoftDirty = 1UL << 7,
    Guard = 1UL << 8,
}
