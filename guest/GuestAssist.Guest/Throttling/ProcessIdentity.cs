using System.Globalization;
using GuestAssist.Guest.ProcFs;

namespace GuestAssist.Guest.Throttling;

/// <summary>
/// A process as /proc/&lt;pid&gt;/stat names it: pid plus start time (clock ticks since boot), so a pid reused
/// by another process after an exit is never mistaken for the one that was throttled.
/// </summary>
public readonly record struct ProcessIdentity(int Pid, ulong StartTicks)
{
    private const ulong KernelThreadFlag = 0x00200000; // PF_KTHREAD

    /// <summary>Reads the identity, parent, flags and command; false when the process is gone.</summary>
    public static bool TryRead(ProcFsPaths paths, int pid, out ProcessIdentity identity, out ProcessStat stat)
    {
        ArgumentNullException.ThrowIfNull(paths);
        identity = default;
        stat = default;
        string text;
        try
        {
            text = File.ReadAllText(paths.ProcessFile(pid, "stat"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        // "pid (comm) state ppid ..." — comm may hold spaces and parentheses: split after the last ')'.
        var open = text.IndexOf('(', StringComparison.Ordinal);
        var close = text.LastIndexOf(')');
        if (open < 0 || close < open)
        {
            return false;
        }
        var fields = text[(close + 2)..].Split(' ');
        // fields[0] is state (field 3); ppid field 4, flags field 9, utime/stime fields 14/15, starttime field 22.
        if (fields.Length < 20
            || !int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var parent)
            || !ulong.TryParse(fields[6], NumberStyles.None, CultureInfo.InvariantCulture, out var flags)
            || !long.TryParse(fields[11], NumberStyles.None, CultureInfo.InvariantCulture, out var user)
            || !long.TryParse(fields[12], NumberStyles.None, CultureInfo.InvariantCulture, out var system)
            || !ulong.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var start))
        {
            return false;
        }
        identity = new ProcessIdentity(pid, start);
        stat = new ProcessStat(text[(open + 1)..close], fields[0].Length > 0 ? fields[0][0] : '?', parent, (flags & KernelThreadFlag) != 0, user + system);
        return true;
    }

    /// <summary>
    /// True while the process with this pid is still the one that started at <see cref="StartTicks"/> and has not
    /// exited. A zombie (state Z, or X while it is reaped) keeps its /proc entry and start time until its parent
    /// waits for it, which a parent may never do: it is not alive.
    /// </summary>
    public bool IsAlive(ProcFsPaths paths) => TryRead(paths, Pid, out var now, out var stat) && now == this && stat.State is not ('Z' or 'X');
}
