namespace GuestAssist.Agent.Scan.Json;

/// <summary>The kernel's own counters, in pages, to compare the classes with.</summary>
internal sealed record KernelJson(
    ulong MemTotal,
    ulong NrFreePages,
    ulong BuddyInfoFree,
    ulong PerCpuListPages,
    ulong Active,
    ulong Inactive,
    ulong Unevictable,
    ulong Cached,
    ulong Slab,
    ulong PageTables);
