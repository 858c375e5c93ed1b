using GuestAssist.Guest.ProcFs;
using GuestAssist.Guest.Throttling.Cgroups;
using GuestAssist.Linux.Errors;
using GuestAssist.Linux.KernelFiles;

namespace GuestAssist.Guest.Throttling;

/// <summary>
/// Pauses by freezing the process's own cgroup (v2 cgroup.freeze, v1 freezer.state): no signal, so its parent
/// and a debugger see nothing, and children it forks while throttled are frozen with it. The process moves into
/// the agent's cgroup on attach (journalled first, with its home) and back home on detach.
/// </summary>
public sealed class FreezerPauser : IProcessPauser
{
    private readonly ProcFsPaths _paths;
    private readonly CgroupHierarchy _hierarchy;
    private readonly Dictionary<int, CgroupPlacement> _placements = [];
    private readonly Lock _lock = new();

    public FreezerPauser(ProcFsPaths paths, CgroupHierarchy hierarchy)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(hierarchy);
        if (hierarchy.Controller != CgroupController.Freezer)
        {
            throw new ArgumentException("a freezer hierarchy is needed", nameof(hierarchy));
        }
        _paths = paths;
        _hierarchy = hierarchy;
    }

    public string Name => $"cgroup-v{_hierarchy.Version}-freeze";

    public void Attach(ProcessIdentity process, ThrottleJournal journal)
    {
        ArgumentNullException.ThrowIfNull(journal);
        var home = _hierarchy.CgroupOf(_paths, process.Pid) ?? throw new IOException($"process {process.Pid} is gone");
        var placement = CgroupPlacement.Prepare(_hierarchy, home, process);
        journal.Add(process, placement);
        placement.MoveIn(process.Pid);
        lock (_lock)
        {
            _placements[process.Pid] = placement;
        }
    }

    public bool Pause(int pid) => Write(pid, freeze: true) && ProcessIdentity.TryRead(_paths, pid, out _, out _);

    public void Resume(int pid) => Write(pid, freeze: false);

    public void Detach(int pid, ThrottleJournal journal)
    {
        ArgumentNullException.ThrowIfNull(journal);
        CgroupPlacement? placement;
        lock (_lock)
        {
            _placements.Remove(pid, out placement);
        }
        placement?.Restore();
        journal.Remove(pid);
    }

    private bool Write(int pid, bool freeze)
    {
        CgroupPlacement? placement;
        lock (_lock)
        {
            placement = _placements.GetValueOrDefault(pid);
        }
        if (placement is null)
        {
            return false;
        }
        try
        {
            if (_hierarchy.Version == 2)
            {
                KernelFile.Write(Path.Combine(placement.OwnDirectory, "cgroup.freeze"), freeze ? "1"u8 : "0"u8);
            }
            else
            {
                KernelFile.Write(Path.Combine(placement.OwnDirectory, "freezer.state"), freeze ? "FROZEN"u8 : "THAWED"u8);
            }
            return true;
        }
        catch (LinuxException)
        {
            return false;
        }
    }
}
