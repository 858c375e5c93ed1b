using System.Globalization;
using System.Text;
namespace GuestAssist.Cli.Demo;

/// <summary>A flat key=value record (text values percent-encoded) that a demo role prints as one "RESULT ..." line for the parent to parse (no reflection: the CLI is trimmed).</summary>
public sealed class DemoResult
{
    public const string Prefix = "RESULT ";

    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public string this[string key]
    {
        get => _values.TryGetValue(key, out var v) ? v : "";
        set => _values[key] = Uri.EscapeDataString(value);
    }

    public void Set(string key, long value) => _values[key] = value.ToString(CultureInfo.InvariantCulture);

    public void Set(string key, double value) => _values[key] = value.ToString("0.###", CultureInfo.InvariantCulture);

    public long Long(string key) => long.TryParse(this[key], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : 0;

    public double Double(string key) => double.TryParse(this[key], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : 0;

    public string Text(string key) => Uri.UnescapeDataString(this[key]);

    public override string ToString()
    {
        var sb = new StringBuilder(Prefix);
        foreach (var (k, v) in _values)
        {
            sb.Append(k).Append('=').Append(v).Append(' ');
        }
        return sb.ToString().TrimEnd();
    }

    public static bool TryParse(string? line, out DemoResult result)
    {
        result = new DemoResult();
        if (line is null || !line.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }
        foreach (var pair in line[Prefix.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=');
            if (eq > 0)
            {
                result._values[pair[..eq]] = pair[(eq + 1)..];
            }
        }
        return true;
    }
}
