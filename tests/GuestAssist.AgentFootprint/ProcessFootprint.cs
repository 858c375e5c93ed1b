using System.Globalization;

namespace GuestAssist.AgentFootprint;

/// <summary>What /proc says about one process: resident set and CPU time consumed.</summary>
internal static class ProcessFootprint
{
    private const double ClockTicksPerSecond = 100; // USER_HZ on Linux x86_64.

    /// <summary>VmRSS in KiB.</summary>
    public static long RssKiB(int pid) => StatusKiB(pid, "VmRSS:");

    /// <summary>"22.5 MiB (anon 13.1, file 9.4)": where the resident set is, heap and stacks or mapped code.</summary>
    public static string RssBreakdown(int pid) => string.Create(
        CultureInfo.InvariantCulture,
        $"{StatusKiB(pid, "VmRSS:") / 1024.0:F1} MiB (anon {StatusKiB(pid, "RssAnon:") / 1024.0:F1}, file {StatusKiB(pid, "RssFile:") / 1024.0:F1})");

    private static long StatusKiB(int pid, string field)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }
        throw new InvalidOperationException($"/proc/{pid}/status has no {field} line");
    }

    /// <summary>utime + stime in seconds.</summary>
    public static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // Fields after the parenthesised command name (which may contain spaces): state is field 3, utime 14, stime 15.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return ticks / ClockTicksPerSecond;
    }
}
