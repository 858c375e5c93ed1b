using System.Globalization;
using GuestAssist.Linux.Errors;
using GuestAssist.Linux.KernelFiles;

namespace GuestAssist.Guest.Throttling.Cgroups;

/// <summary>
/// A process moved out of its home cgroup into one of the agent's own (<see cref="CgroupHierarchy.OwnRoot"/>/PID-START),
/// so that a limit set there applies to it alone. <see cref="Restore"/> moves back everything the own cgroup holds
/// (children born there included), thaws it first, and removes it: used on release and, from the journal, after a crash.
/// </summary>
public sealed record CgroupPlacement(string HomeDirectory, string OwnDirectory)
{
    /// <summary>Creates the own cgroup; the caller journals the placement, sets the limit, then calls <see cref="MoveIn"/>.</summary>
    public static CgroupPlacement Prepare(CgroupHierarchy hierarchy, string homeCgroup, ProcessIdentity process)
    {
        ArgumentNullException.ThrowIfNull(hierarchy);
        ArgumentNullException.ThrowIfNull(homeCgroup);
        var own = Path.Combine(hierarchy.OwnRoot, string.Create(CultureInfo.InvariantCulture, $"{process.Pid}-{process.StartTicks}"));
        if (!Directory.Exists(hierarchy.OwnRoot))
        {
            Directory.CreateDirectory(hierarchy.OwnRoot);
            if (hierarchy.Version == 2 && hierarchy.Controller == CgroupController.Cpu)
            {
                // v2 hands a controller down only where each parent enables it for its children.
                EnableInChildren(hierarchy.Mount);
                EnableInChildren(hierarchy.OwnRoot);
            }
        }
        Directory.CreateDirectory(own);
        return new CgroupPlacement(hierarchy.PathOf(homeCgroup), own);
    }

    public void MoveIn(int pid) => KernelFile.Write(Path.Combine(OwnDirectory, "cgroup.procs"), Ascii(pid));

    /// <summary>Thaws the own cgroup, moves every process in it home, removes it; returns how many moved. Never throws for a process or cgroup already gone.</summary>
    public int Restore()
    {
        if (!Directory.Exists(OwnDirectory))
        {
            return 0;
        }
        TryWrite(Path.Combine(OwnDirectory, "cgroup.freeze"), "0"u8);
        TryWrite(Path.Combine(OwnDirectory, "freezer.state"), "THAWED"u8);
        var moved = 0;
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var pids = Members();
            if (pids.Count == 0)
            {
                break;
            }
            foreach (var pid in pids)
            {
                // Home may be gone (its service stopped meanwhile): the hierarchy's root takes the process then.
                if (TryWrite(Path.Combine(HomeDirectory, "cgroup.procs"), Ascii(pid)) || TryWrite(Path.Combine(MountOf(OwnDirectory), "cgroup.procs"), Ascii(pid)))
                {
                    moved++;
                }
            }
        }
        try
        {
            Directory.Delete(OwnDirectory);
        }
        catch (IOException)
        {
            // A process forked in the instant between the last move and the removal: the next restore takes it.
        }
        return moved;
    }

    private static string MountOf(string own) => Path.GetDirectoryName(Path.GetDirectoryName(own)!)!;

    private List<int> Members()
    {
        try
        {
            return [.. File.ReadAllLines(Path.Combine(OwnDirectory, "cgroup.procs"))
                .Select(l => int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : 0).Where(p => p > 0)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static void EnableInChildren(string directory)
    {
        var control = Path.Combine(directory, "cgroup.subtree_control");
        if (!File.ReadAllText(control).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Contains("cpu"))
        {
            KernelFile.Write(control, "+cpu"u8);
        }
    }

    private static bool TryWrite(string path, ReadOnlySpan<byte> value)
    {
        try
        {
            KernelFile.Write(path, value);
            return true;
        }
        catch (LinuxException)
        {
            return false;
        }
    }

    private static byte[] Ascii(int pid) => System.Text.Encoding.ASCII.GetBytes(pid.ToString(CultureInfo.InvariantCulture));
}
