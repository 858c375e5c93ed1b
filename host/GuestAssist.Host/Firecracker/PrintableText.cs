using System.Text;

namespace GuestAssist.Host.Firecracker;

/// <summary>Peer bytes made safe for one log line: printable ASCII as is, everything else escaped (\n, \t, \xNN).</summary>
internal static class PrintableText
{
    public static string Escape(ReadOnlySpan<byte> bytes, int maxBytes)
    {
        var text = new StringBuilder();
        var shown = bytes[..Math.Min(bytes.Length, maxBytes)];
        foreach (var b in shown)
        {
            Append(text, (char)b);
        }
        if (shown.Length < bytes.Length)
        {
            text.Append($"… ({bytes.Length} bytes)");
        }
        return text.ToString();
    }

    public static string Escape(string value)
    {
        var text = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (c > 0x7e && !char.IsControl(c))
            {
                text.Append(c);
            }
            else
            {
                Append(text, c);
            }
        }
        return text.ToString();
    }

    private static void Append(StringBuilder text, char c)
    {
        switch (c)
        {
            case '\n':
                text.Append("\\n");
                break;
            case '\r':
                text.Append("\\r");
                break;
            case '\t':
                text.Append("\\t");
                break;
            case '\\':
                text.Append("\\\\");
                break;
            case '"':
                text.Append("\\\"");
                break;
            case >= ' ' and <= '~':
                text.Append(c);
                break;
            default:
                text.Append($"\\x{(int)c:x2}");
                break;
        }
    }
}
