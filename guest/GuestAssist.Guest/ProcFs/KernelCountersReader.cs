using System.Globalization;

namespace GuestAssist.Guest.ProcFs;

/// <summary>Reads /proc/meminfo, /proc/vmstat and /proc/buddyinfo into <see cref="KernelCounters"/>.</summary>
public static class KernelCountersReader
{
    public static KernelCounters Read(ProcFsPaths paths, uint pageSize = 4096)
    {
        var meminfo = ParseKeyValues(File.ReadAllText(paths.MemInfo));
        var vmstat = ParseKeyValues(File.ReadAllText(paths.VmStat));
        ulong Pages(string key) => meminfo.TryGetValue(key, out var kb) ? kb * 1024 / pageSize : 0;
        return new KernelCounters(
            MemTotal: Pages("MemTotal"),
            NrFreePages: vmstat.GetValueOrDefault("nr_free_pages"),
            BuddyInfoFree: SumBuddyInfo(File.ReadAllText(paths.BuddyInfo)),
            Active: Pages("Active"),
            Inactive: Pages("Inactive"),
            Unevictable: Pages("Unevictable"),
            Cached: Pages("Cached"),
            Slab: Pages("Slab"),
            PageTables: Pages("PageTables"),
            PerCpuListPages: File.Exists(paths.ZoneInfo) ? SumPerCpuLists(File.ReadAllText(paths.ZoneInfo)) : 0);
    }

    /// <summary>Pages on per-CPU free lists: the sum of every "count:" line of /proc/zoneinfo's pagesets.</summary>
    public static ulong SumPerCpuLists(string zoneInfo)
    {
        ulong total = 0;
        foreach (var line in zoneInfo.Split('\n'))
        {
            var trimmed = line.AsSpan().Trim();
            if (trimmed.StartsWith("count:", StringComparison.Ordinal)
                && ulong.TryParse(trimmed[6..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            {
                total += count;
            }
        }
        return total;
    }

    /// <summary>Parses "key value [kB]" and "key: value [kB]" lines (meminfo, vmstat); the unit is dropped.</summary>
    public static Dictionary<string, ulong> ParseKeyValues(string text)
    {
        var values = new Dictionary<string, ulong>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            var parts = line.Split([' ', ':'], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 2 && ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                values[parts[0]] = value;
            }
        }
        return values;
    }

    /// <summary>Sum over zones and orders of count × 2^order, in pages.</summary>
    public static ulong SumBuddyInfo(string text)
    {
        ulong total = 0;
        foreach (var line in text.Split('\n'))
        {
            var zone = line.IndexOf("zone", StringComparison.Ordinal);
            if (zone < 0)
            {
                continue;
            }
            var parts = line[(zone + 4)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            // parts[0] is the zone name, then one count per order.
            for (var order = 0; order + 1 < parts.Length; order++)
            {
                total += ulong.Parse(parts[order + 1], CultureInfo.InvariantCulture) << order;
            }
        }
        return total;
    }
}
