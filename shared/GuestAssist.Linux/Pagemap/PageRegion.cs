using System.Runtime.InteropServices;

namespace GuestAssist.Linux.Pagemap;

/// <summary>struct page_region (24 bytes): [Start, End) and the PAGE_IS_* categories it matched.</summary>
[StructLayout(LayoutKind.Sequential)]
internal readonly record struct PageRegion(ulong Start, ulong End, PageCategories Categories);
