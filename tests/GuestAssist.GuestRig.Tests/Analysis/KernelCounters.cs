using System.Globalization;
using System.Text.RegularExpressions;

namespace GuestAssist.GuestRig.Tests.Analysis;

/// <summary>The guest's own free-page figures, from /proc/vmstat and /proc/zoneinfo copied right after a scan.</summary>
public sealed partial record KernelCounters(long NrFreePages, long PerCpuListPages)
{
    public static KernelCounters Parse(string vmstat, string zoneinfo)
    {
        var free = NrFreePagesLine().Match(vmstat);
        if (!free.Success)
        {
            throw new InvalidDataException("vmstat has no nr_free_pages line");
        }
        long pcp = 0;
        foreach (Match count in PerCpuCountLine().Matches(zoneinfo))
        {
            pcp += long.Parse(count.Groups[1].ValueSpan, CultureInfo.InvariantCulture);
        }
        return new KernelCounters(long.Parse(free.Groups[1].ValueSpan, CultureInfo.InvariantCulture), pcp);
    }

    [GeneratedRegex(@"^nr_free_pages (\d+)$", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex NrFreePagesLine();

    /// <summary>zoneinfo's per-CPU pagesets: "    cpu: 0\n              count: 123".</summary>
    [GeneratedRegex(@"^\s+count:\s+(\d+)\s*$", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex PerCpuCountLine();
}
