namespace GuestAssist.Linux.Userfaultfd;

/// <summary>UFFD_FEATURE_* bits negotiated by UFFDIO_API.</summary>
[Flags]
public enum UffdFeatures : ulong
{
    None = 0,
    PagefaultFlagWp = 1UL << 0,
    EventFork = 1UL << 1,
    EventRemap = 1UL << 2,
    EventRemove = 1UL << 3,
    MissingHugetlbfs = 1UL << 4,
    MissingShmem = 1UL << 5,
    EventUnmap = 1UL << 6,
    Sigbus = 1UL << 7,
    ThreadId = 1UL << 8,
    MinorHugetlbfs = 1UL << 9,
    MinorShmem = 1UL << 10,
    ExactAddress = 1UL << 11,
    WpHugetlbfsShmem = 1UL << 12,
    WpUnpopulated = 1UL << 13,
    Poison = 1UL << 14,
    WpAsync = 1UL << 15,
    Move = 1UL << 16,
}
