using System.Globalization;
using GuestAssist.Guest.ProcFs;

namespace GuestAssist.Guest.Capabilities;

/// <summary>Detects root, PROC_PAGE_MONITOR files, idle tracking, soft-dirty and kpagecgroup by trying them.</summary>
public static class CapabilityProbe
{
    private const string Missing = "is missing";

    public static GuestCapabilities Detect(ProcFsPaths paths)
    {
        var degradations = new List<string>();
        var isRoot = EffectiveUid(paths) == 0;
        if (!isRoot)
        {
            degradations.Add("not root: /proc/kpage* and pagemap PFNs need CAP_SYS_ADMIN; frame scan and attribution are unavailable");
        }
        var flags = CanRead(paths.KPageFlags, out var flagsWhy);
        if (!flags)
        {
            degradations.Add($"no frame classes: {paths.KPageFlags} {flagsWhy}{ConfigHint(flagsWhy, "CONFIG_PROC_PAGE_MONITOR")}");
        }
        var count = CanRead(paths.KPageCount, out var countWhy);
        if (!count)
        {
            degradations.Add($"no frame classes: {paths.KPageCount} {countWhy}");
        }
        var idle = File.Exists(paths.PageIdleBitmap) && CanRead(paths.PageIdleBitmap, out _);
        if (!idle)
        {
            degradations.Add($"no idle page tracking: {paths.PageIdleBitmap} missing or unreadable (CONFIG_IDLE_PAGE_TRACKING off)");
        }
        var damon = DamonState(paths, out var damonWhy);
        if (!damon)
        {
            degradations.Add($"no DAMON heat: {damonWhy}");
        }
        var softDirty = HasSoftDirty(paths);
        if (!softDirty)
        {
            degradations.Add("no soft-dirty: no 'sd' VmFlag in /proc/self/smaps (CONFIG_MEM_SOFT_DIRTY off); dirty tracking needs PAGEMAP_SCAN + uffd WP_ASYNC");
        }
        var cgroup = CanRead(paths.KPageCgroup, out var cgroupWhy);
        if (!cgroup)
        {
            degradations.Add($"owner cgroups from /proc/<pid>/cgroup only: {paths.KPageCgroup} {cgroupWhy}{ConfigHint(cgroupWhy, "CONFIG_MEMCG")}");
        }
        return new GuestCapabilities(isRoot, flags, count, idle, softDirty, cgroup, degradations) { Damon = damon };
    }

    /// <summary>Effective uid from the "Uid:" line of /proc/self/status; -1 when unknown.</summary>
    public static int EffectiveUid(ProcFsPaths paths)
    {
        try
        {
            foreach (var line in File.ReadLines(paths.SelfStatus))
            {
                if (line.StartsWith("Uid:", StringComparison.Ordinal))
                {
                    var fields = line[4..].Split(['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
                    return fields.Length > 1 ? int.Parse(fields[1], CultureInfo.InvariantCulture) : -1;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return -1;
    }

    /// <summary>DAMON's sysfs interface is there and nobody drives it (read only: nothing is written).</summary>
    private static bool DamonState(ProcFsPaths paths, out string why)
    {
        var countFile = Path.Combine(paths.DamonAdmin, "kdamonds", "nr_kdamonds");
        try
        {
            if (!File.Exists(countFile))
            {
                why = $"{paths.DamonAdmin} missing (CONFIG_DAMON_SYSFS off)";
                return false;
            }
            var existing = File.ReadAllText(countFile).Trim();
            why = existing == "0" ? "" : $"in use by another user ({existing} kdamond(s)); the agent leaves it alone";
            return existing == "0";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            why = $"{countFile} cannot be read ({e.Message})";
            return false;
        }
    }

    private static string ConfigHint(string why, string config) => why == Missing ? $" ({config} off)" : "";

    private static bool CanRead(string path, out string why)
    {
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
            Span<byte> word = stackalloc byte[8];
            var read = RandomAccess.Read(handle, word, 0);
            why = read == 8 ? "" : "reads empty";
            return read == 8;
        }
        catch (FileNotFoundException)
        {
            why = Missing;
        }
        catch (DirectoryNotFoundException)
        {
            why = Missing;
        }
        catch (UnauthorizedAccessException)
        {
            why = "is not readable (permission denied)";
        }
        catch (IOException e)
        {
            why = $"cannot be read ({e.Message})";
        }
        return false;
    }

    // VM_SOFTDIRTY is only defined (and shown as "sd") with CONFIG_MEM_SOFT_DIRTY; new mappings carry it.
    private static bool HasSoftDirty(ProcFsPaths paths)
    {
        try
        {
            foreach (var line in File.ReadLines(paths.SelfSmaps))
            {
                if (line.StartsWith("VmFlags:", StringComparison.Ordinal)
                    && line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains("sd"))
                {
                    return true;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return false;
    }
}
