using System.Globalization;
using GuestAssist.Guest.ProcFs;
using GuestAssist.Guest.Throttling.Cgroups;
using GuestAssist.Linux.Processes;

namespace GuestAssist.Guest.Throttling;

/// <summary>
/// Every process the agent may have stopped, on disk under /run/guestassist before it is first stopped and
/// until it has been continued, so that nothing is left stopped whatever happens to the agent: a restarted
/// agent replays it at start, and the sentinel replays it the moment the agent dies. One line per process:
/// "pid starttime", and for a process moved into one of the agent's cgroups also its home and that cgroup
/// ("pid starttime\thome\town"; replay thaws the cgroup and moves everything in it home). Rewritten whole
/// (temporary file, then rename) on every change.
/// </summary>
public sealed class ThrottleJournal
{
    public const string DefaultPath = "/run/guestassist/throttle.journal";

    private readonly Lock _lock = new();
    private readonly Dictionary<int, (ProcessIdentity Process, CgroupPlacement? Placement)> _entries = [];

    public ThrottleJournal(string path = DefaultPath)
    {
        ArgumentNullException.ThrowIfNull(path);
        Path = path;
    }

    public string Path { get; }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    public void Add(ProcessIdentity process, CgroupPlacement? placement = null)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(process.Pid, out var entry) && entry.Process == process && entry.Placement == placement)
            {
                return;
            }
            _entries[process.Pid] = (process, placement);
            Save();
        }
    }

    public void Remove(int pid)
    {
        lock (_lock)
        {
            if (_entries.Remove(pid))
            {
                Save();
            }
        }
    }

    /// <summary>
    /// Continues every journalled process that is still the same process, then (unless <paramref name="keep"/>)
    /// empties the journal; returns how many.
    /// </summary>
    public static int Replay(string path, ProcFsPaths paths, bool keep = false)
    {
        ArgumentNullException.ThrowIfNull(paths);
        if (!File.Exists(path))
        {
            return 0;
        }
        var resumed = 0;
        foreach (var entry in File.ReadAllLines(path))
        {
            var columns = entry.Split('\t');
            // The agent's own cgroup: thawed, and whatever is in it goes home, whoever it is now.
            var restored = columns.Length == 3 && columns[2].Contains(CgroupHierarchy.OwnDirectoryName, StringComparison.Ordinal)
                && new CgroupPlacement(columns[1], columns[2]).Restore() > 0;
            var parts = columns[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var continued = parts.Length == 2
                && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
                && new ProcessIdentity(pid, start).IsAlive(paths)
                && ProcessSignals.Continue(pid);
            if (restored || continued)
            {
                resumed++;
            }
        }
        if (!keep)
        {
            File.Delete(path);
        }
        return resumed;
    }

    private void Save()
    {
        var directory = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }
        if (_entries.Count == 0)
        {
            File.Delete(Path);
            return;
        }
        var temporary = Path + ".tmp";
        File.WriteAllLines(temporary, _entries.Values.Select(e => e.Placement is { } placement
            ? string.Create(CultureInfo.InvariantCulture, $"{e.Process.Pid} {e.Process.StartTicks}\t{placement.HomeDirectory}\t{placement.OwnDirectory}")
            : string.Create(CultureInfo.InvariantCulture, $"{e.Process.Pid} {e.Process.StartTicks}")));
        File.Move(temporary, Path, overwrite: true);
    }
}
