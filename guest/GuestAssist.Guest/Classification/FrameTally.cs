namespace GuestAssist.Guest.Classification;

/// <summary>Raw flag counts gathered while classifying, to compare with the kernel's own counters.</summary>
public struct FrameTally
{
    /// <summary>Frames with KPF_BUDDY (compare with nr_free_pages).</summary>
    public ulong Buddy;

    /// <summary>LRU + ACTIVE, not UNEVICTABLE (compare with meminfo Active).</summary>
    public ulong LruActive;

    /// <summary>LRU, not ACTIVE, not UNEVICTABLE (compare with meminfo Inactive).</summary>
    public ulong LruInactive;

    /// <summary>LRU + UNEVICTABLE (compare with meminfo Unevictable).</summary>
    public ulong Unevictable;

    /// <summary>Frames reading flags 0 and count 0 in whole blank blocks (free only under <see cref="Scanning.LazyInitProof"/>).</summary>
    public ulong Blank;

    public void Add(in FrameTally other)
    {
        Buddy += other.Buddy;
        LruActive += other.LruActive;
        LruInactive += other.LruInactive;
        Unevictable += other.Unevictable;
        Blank += other.Blank;
    }
}
