namespace GuestAssist.Linux.Pagemap;

/// <summary>How many regions one PAGEMAP_SCAN filled and where the walk stopped (== end when complete).</summary>
internal readonly record struct PagemapScanResult(int Regions, ulong WalkEnd);
