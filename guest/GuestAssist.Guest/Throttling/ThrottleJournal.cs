using System.Globalization;
using GuestAssist.Guest.ProcFs;
using GuestAssist.Linux.Processes;

namespace GuestAssist.Guest.Throttling;

/// <summary>
/// Every process the agent may have stopped, on disk under /run/guestassist before it is first stopped and
/// until it has been continued, so that nothing is left stopped whatever happens to the agent: a restarted
/// agent replays it at start, and the sentinel replays it the moment the agent dies. One line per process:
/// "pid starttime". Rewritten whole (temporary file, then rename) on every change.
/// </summary>
public sealed class ThrottleJournal
{
    public const string DefaultPath = "/run/guestassist/throttle.journal";

    private readonly Lock _lock = new();
    private readonly Dictionary<int, ProcessIdentity> _entries = [];

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

    public void Add(ProcessIdentity process)
    {
        lock (_lock)
        {
            if (_entries.TryAdd(process.Pid, process))
            {
                Save();
            }
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
        foreach (var line in File.ReadAllLines(path))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2
                && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
                && new ProcessIdentity(pid, start).IsAlive(paths)
                && ProcessSignals.Continue(pid))
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
        File.WriteAllLines(temporary, _entries.Values.Select(e => string.Create(CultureInfo.InvariantCulture, $"{e.Pid} {e.StartTicks}")));
        File.Move(temporary, Path, overwrite: true);
    }
}
