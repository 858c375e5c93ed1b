namespace GuestAssist.Linux.Memory;

/// <summary>mmap MAP_* flags (x86_64).</summary>
[Flags]
internal enum MapFlags
{
    None = 0,
    Shared = 0x01,
    Private = 0x02,
    Fixed = 0x10,
    Anonymous = 0x20,
    NoReserve = 0x4000,
    Populate = 0x8000,

    /// <summary>MAP_HUGETLB: hugetlbfs pages of the default huge page size (2 MiB on x86_64).</summary>
    HugeTlb = 0x40000,
}
