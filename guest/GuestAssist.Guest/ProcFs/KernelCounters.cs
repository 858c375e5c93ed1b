namespace GuestAssist.Guest.ProcFs;

/// <summary>The kernel's own memory figures, all in pages, to set beside a scan.</summary>
public sealed record KernelCounters(
    ulong MemTotal,
    ulong NrFreePages,
    ulong BuddyInfoFree,
    ulong Active,
    ulong Inactive,
    ulong Unevictable,
    ulong Cached,
    ulong Slab,
    ulong PageTables,
    ulong PerCpuListPages = 0);
