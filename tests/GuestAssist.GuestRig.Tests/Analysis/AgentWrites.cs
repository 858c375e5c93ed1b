using System.Globalization;

namespace GuestAssist.GuestRig.Tests.Analysis;

/// <summary>
/// rigload's `WRITES pages seconds resident anonHugeKiB` line: what the agent wrote of its own memory while it
/// monitored, and how much of its memory was THP-backed (-1: the kernel does not say).
/// </summary>
public sealed record AgentWrites(long Pages, int Seconds, long ResidentPages, long AnonHugeKiB)
{
    public double MiBPerMinute => Seconds > 0 ? Pages * 4096.0 / (1 << 20) * 60 / Seconds : double.NaN;

    /// <summary>Null when the scan ended before the watch (a monitor that could not run); throws with rigload's output when the watch failed.</summary>
    public static AgentWrites? Parse(string output)
    {
        if (output.StartsWith("NO-AGENT", StringComparison.Ordinal))
        {
            return null;
        }
        foreach (var line in output.Split('\n', StringSplitOptions.TrimEntries))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 5 && fields[0] == "WRITES")
            {
                return new AgentWrites(long.Parse(fields[1], CultureInfo.InvariantCulture), int.Parse(fields[2], CultureInfo.InvariantCulture), long.Parse(fields[3], CultureInfo.InvariantCulture), long.Parse(fields[4], CultureInfo.InvariantCulture));
            }
        }
        throw new FormatException($"rigload writes-of printed no WRITES line: {output.Trim()}");
    }
}
