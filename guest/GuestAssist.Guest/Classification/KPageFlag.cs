namespace GuestAssist.Guest.Classification;

/// <summary>Bit masks of /proc/kpageflags (include/uapi/linux/kernel-page-flags.h and fs/proc/page.c).</summary>
public static class KPageFlag
{
    public const ulong Locked = 1UL << 0;
    public const ulong Error = 1UL << 1;
    public const ulong Referenced = 1UL << 2;
    public const ulong Uptodate = 1UL << 3;
    public const ulong Dirty = 1UL << 4;
    public const ulong Lru = 1UL << 5;
    public const ulong Active = 1UL << 6;
    public const ulong Slab = 1UL << 7;
    public const ulong Writeback = 1UL << 8;
    public const ulong Reclaim = 1UL << 9;
    public const ulong Buddy = 1UL << 10;
    public const ulong Mmap = 1UL << 11;
    public const ulong Anon = 1UL << 12;
    public const ulong SwapCache = 1UL << 13;
    public const ulong SwapBacked = 1UL << 14;
    public const ulong CompoundHead = 1UL << 15;
    public const ulong CompoundTail = 1UL << 16;
    public const ulong Huge = 1UL << 17;
    public const ulong Unevictable = 1UL << 18;
    public const ulong HwPoison = 1UL << 19;
    public const ulong NoPage = 1UL << 20;
    public const ulong Ksm = 1UL << 21;
    public const ulong Thp = 1UL << 22;
    public const ulong Offline = 1UL << 23;
    public const ulong ZeroPage = 1UL << 24;
    public const ulong Idle = 1UL << 25;
    public const ulong PageTable = 1UL << 26;
    public const ulong Reserved = 1UL << 32;
    public const ulong Mlocked = 1UL << 33;
    public const ulong Private = 1UL << 35;
    public const ulong SoftDirty = 1UL << 40;

    /// <summary>
    /// Frames the guest gave up (OFFLINE: ballooned out or unplugged) or lost (HWPOISON): nothing in them is read again,
    /// so they are never sent. NOPAGE is not among them: a frame the kernel keeps no page for (past max_pfn, a memory
    /// hole) may still hold what firmware put there, and the VMM backs it: it is sent.
    /// </summary>
    public const ulong UnbackedMask = HwPoison | Offline;

    /// <summary>An LRU page with any of these is process memory or unsafe to drop: not clean cache.</summary>
    public const ulong NotCleanCacheMask = Anon | Mmap | Dirty | SwapBacked | Unevictable | Writeback;
}
