using System.Globalization;

namespace GuestAssist.Guest.ProcFs;

/// <summary>
/// A process's mappings that have resident pages, as page-number ranges, from /proc/&lt;pid&gt;/smaps. Walking
/// only these keeps pagemap reads proportional to resident memory: runtimes reserve huge untouched ranges.
/// </summary>
internal static class ResidentMappings
{
    /// <summary>Throws what reading smaps throws: the caller decides what a vanished or hidden process means.</summary>
    public static List<(ulong Start, ulong End)> Read(ProcFsPaths paths, int pid)
    {
        var mappings = new List<(ulong, ulong)>();
        ulong start = 0, end = 0;
        foreach (var line in File.ReadLines(paths.ProcessFile(pid, "smaps")))
        {
            var dash = line.IndexOf('-', StringComparison.Ordinal);
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (dash > 0 && space > dash && !line.AsSpan(0, space).Contains(':'))
            {
                start = ulong.Parse(line.AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture) / 4096;
                end = ulong.Parse(line.AsSpan(dash + 1, space - dash - 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture) / 4096;
            }
            else if (line.StartsWith("Rss:", StringComparison.Ordinal) && end > start)
            {
                var kb = line.AsSpan(4).Trim();
                if (!kb.StartsWith("0 "))
                {
                    mappings.Add((start, end));
                }
            }
        }
        return mappings;
    }
}
