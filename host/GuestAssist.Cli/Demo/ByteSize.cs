using System.Globalization;

namespace GuestAssist.Cli.Demo;

/// <summary>Parses sizes such as 256MiB, 64M, 1GiB, 1G, 4096 (binary units; K/M/G and KiB/MiB/GiB alike).</summary>
public static class ByteSize
{
    public static ulong Parse(string text)
    {
        var s = (text ?? "").Trim();
        var split = 0;
        while (split < s.Length && char.IsAsciiDigit(s[split]))
        {
            split++;
        }
        if (split == 0 || !ulong.TryParse(s.AsSpan(0, split), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            throw new FormatException($"size '{text}' does not start with a number (e.g. 256MiB)");
        }
        ulong unit = s[split..].Trim().ToLowerInvariant() switch
        {
            "" or "b" => 1,
            "k" or "kb" or "kib" => 1UL << 10,
            "m" or "mb" or "mib" => 1UL << 20,
            "g" or "gb" or "gib" => 1UL << 30,
            var other => throw new FormatException($"size '{text}' has unknown unit '{other}' (use KiB, MiB or GiB)"),
        };
        return checked(value * unit);
    }
}
