using GuestAssist.Guest.ProcFs;

namespace GuestAssist.Guest.Throttling.Cgroups;

/// <summary>
/// Where one controller lives: a cgroup v2 mount that offers it (cgroup.controllers lists "cpu"; freezing is
/// core to v2) or a v1 mount that carries it, found in /proc/self/mountinfo. The agent's own cgroups sit in
/// <see cref="OwnRoot"/>, one per throttled process, so only that process is ever limited.
/// </summary>
public sealed record CgroupHierarchy(CgroupController Controller, int Version, string Mount)
{
    public const string OwnDirectoryName = "guestassist-throttle";

    public string OwnRoot => Path.Combine(Mount, OwnDirectoryName);

    /// <summary>The hierarchy for <paramref name="controller"/>, v2 first; null and why not when there is none.</summary>
    public static CgroupHierarchy? Find(ProcFsPaths paths, CgroupController controller, out string reason)
    {
        ArgumentNullException.ThrowIfNull(paths);
        IReadOnlyList<CgroupHierarchy> all;
        try
        {
            all = FindAll(paths, controller);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            reason = $"cannot read mountinfo: {e.Message}";
            return null;
        }
        var v1Name = controller == CgroupController.Cpu ? "cpu" : "freezer";
        var chosen = all.FirstOrDefault(h => h.Version == 2) ?? (all.Count > 0 ? all[0] : null);
        reason = chosen is null ? $"no cgroup hierarchy offers {v1Name}" : $"cgroup v{chosen.Version} {v1Name} at {chosen.Mount}";
        return chosen;
    }

    /// <summary>Every mounted hierarchy that offers <paramref name="controller"/>, in mount order.</summary>
    public static IReadOnlyList<CgroupHierarchy> FindAll(ProcFsPaths paths, CgroupController controller)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var lines = File.ReadAllLines(Path.Combine(paths.ProcRoot, "self", "mountinfo"));
        var v1Name = controller == CgroupController.Cpu ? "cpu" : "freezer";
        var found = new List<CgroupHierarchy>();
        foreach (var line in lines)
        {
            // "id parent major:minor root mountpoint options - fstype source superoptions"
            var separator = line.IndexOf(" - ", StringComparison.Ordinal);
            if (separator < 0)
            {
                continue;
            }
            var fields = line[..separator].Split(' ');
            var tail = line[(separator + 3)..].Split(' ');
            if (fields.Length < 5 || tail.Length < 3 || fields[3] != "/")
            {
                continue; // a bind mount of a sub-cgroup (a container's view) is not a place to create ours
            }
            var mount = fields[4].Replace("\\040", " ", StringComparison.Ordinal);
            if (tail[0] == "cgroup2" && (controller == CgroupController.Freezer || OffersController(mount, "cpu")))
            {
                found.Add(new CgroupHierarchy(controller, 2, mount));
            }
            if (tail[0] == "cgroup" && tail[2].Split(',').Contains(v1Name))
            {
                found.Add(new CgroupHierarchy(controller, 1, mount));
            }
        }
        return found;
    }

    /// <summary>The process's cgroup in this hierarchy, relative to the mount ("/" for the root); null when it is gone.</summary>
    public string? CgroupOf(ProcFsPaths paths, int pid)
    {
        ArgumentNullException.ThrowIfNull(paths);
        string[] lines;
        try
        {
            lines = File.ReadAllLines(paths.ProcessFile(pid, "cgroup"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        var v1Name = Controller == CgroupController.Cpu ? "cpu" : "freezer";
        foreach (var line in lines)
        {
            // "hierarchy-id:controllers:path"; v2 is "0::path".
            var first = line.IndexOf(':', StringComparison.Ordinal);
            var second = first < 0 ? -1 : line.IndexOf(':', first + 1);
            if (second < 0)
            {
                continue;
            }
            var controllers = line[(first + 1)..second];
            if (Version == 2 ? line.StartsWith("0::", StringComparison.Ordinal) : controllers.Split(',').Contains(v1Name))
            {
                return line[(second + 1)..];
            }
        }
        return null;
    }

    public string PathOf(string cgroup) => Path.Combine(Mount, cgroup.TrimStart('/'));

    private static bool OffersController(string mount, string name)
    {
        try
        {
            return File.ReadAllText(Path.Combine(mount, "cgroup.controllers")).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Contains(name);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
