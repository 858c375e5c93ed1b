using System.Globalization;

namespace GuestAssist.Host.Source;

/// <summary>
/// A link speed for the emulated network, in bytes per second. Parses bit rates (100mbit, 1gbit, 10gbit, 1.5gbps,
/// 800kbit) with decimal prefixes and byte rates (500MB/s decimal, 500MiB/s binary, 2GB/s); "unlimited" or 0 = no limit.
/// </summary>
public readonly record struct LinkRate(double BytesPerSecond)
{
    public static LinkRate Unlimited { get; } = new(0);

    public bool IsUnlimited => BytesPerSecond <= 0;

    public static LinkRate Parse(string text)
    {
        if (TryParse(text, out var rate, out var error))
        {
            return rate;
        }
        throw new FormatException(error);
    }

    public static bool TryParse(string? text, out LinkRate rate, out string error)
    {
        rate = Unlimited;
        error = string.Empty;
        var s = (text ?? string.Empty).Trim().ToLowerInvariant();
        if (s is "unlimited" or "none" or "0")
        {
            return true;
        }
        var split = 0;
        while (split < s.Length && (char.IsAsciiDigit(s[split]) || s[split] == '.'))
        {
            split++;
        }
        if (split == 0 || !double.TryParse(s.AsSpan(0, split), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || value <= 0)
        {
            error = $"link rate '{text}' does not start with a positive number (e.g. 1gbit, 100mbit, 500MB/s)";
            return false;
        }
        var unit = s[split..].Trim();
        double? bytesPerSecond = unit switch
        {
            "bit" or "bps" or "bit/s" => value / 8,
            "kbit" or "kbps" or "kbit/s" => value * 1e3 / 8,
            "mbit" or "mbps" or "mbit/s" => value * 1e6 / 8,
            "gbit" or "gbps" or "gbit/s" => value * 1e9 / 8,
            "b/s" or "" => value,
            "kb/s" => value * 1e3,
            "mb/s" => value * 1e6,
            "gb/s" => value * 1e9,
            "kib/s" => value * 1024,
            "mib/s" => value * 1024 * 1024,
            "gib/s" => value * 1024 * 1024 * 1024,
            _ => null,
        };
        if (bytesPerSecond is null)
        {
            error = $"link rate '{text}' has unknown unit '{unit}' (use bit, kbit, mbit, gbit or B/s, KB/s, MB/s, GB/s, KiB/s, MiB/s, GiB/s)";
            return false;
        }
        rate = new LinkRate(bytesPerSecond.Value);
        return true;
    }

    public override string ToString() => IsUnlimited ? "unlimited" : BytesPerSecond >= 125e6 / 8
        ? string.Create(CultureInfo.InvariantCulture, $"{BytesPerSecond * 8 / 1e9:0.###} Gbit/s")
        : string.Create(CultureInfo.InvariantCulture, $"{BytesPerSecond * 8 / 1e6:0.###} Mbit/s");
}
