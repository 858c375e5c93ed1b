using System.Globalization;

namespace GuestAssist.Guest.ProcFs;

/// <summary>Reads the top-level "System RAM" ranges of /proc/iomem as page-frame ranges.</summary>
public static class IoMemParser
{
    public static IReadOnlyList<PfnRange> ReadSystemRam(string path, uint pageSize = 4096) =>
        ParseSystemRam(File.ReadAllText(path), pageSize);

    /// <summary>
    /// Keeps only whole pages: a range starting mid-page begins at the next page, one ending mid-page stops before it.
    /// Nested lines (indented, e.g. "Kernel code") are ignored. Overlapping or adjacent ranges are merged.
    /// </summary>
    public static IReadOnlyList<PfnRange> ParseSystemRam(string text, uint pageSize = 4096)
    {
        var ranges = new List<PfnRange>();
        foreach (var rawLine in text.Split('\n'))
        {
            if (rawLine.Length == 0 || rawLine[0] == ' ')
            {
                continue;
            }
            var colon = rawLine.IndexOf(" : ", StringComparison.Ordinal);
            if (colon < 0 || rawLine.AsSpan(colon + 3).Trim().ToString() != "System RAM")
            {
                continue;
            }
            var span = rawLine.AsSpan(0, colon).Trim();
            var dash = span.IndexOf('-');
            if (dash < 0
                || !ulong.TryParse(span[..dash], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var start)
                || !ulong.TryParse(span[(dash + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var last))
            {
                throw new FormatException($"iomem: cannot parse range in line '{rawLine}'");
            }
            // Unprivileged readers see zeros: such a file tells nothing.
            if (last == 0)
            {
                continue;
            }
            var first = (start + pageSize - 1) / pageSize;
            var end = (last + 1) / pageSize;
            if (end > first)
            {
                ranges.Add(new PfnRange(first, end));
            }
        }
        ranges.Sort((a, b) => a.Start.CompareTo(b.Start));
        var merged = new List<PfnRange>(ranges.Count);
        foreach (var range in ranges)
        {
            if (merged.Count > 0 && range.Start <= merged[^1].End)
            {
                merged[^1] = merged[^1] with { End = Math.Max(merged[^1].End, range.End) };
            }
            else
            {
                merged.Add(range);
            }
        }
        return merged;
    }
}
