using GuestAssist.Protocol.V1;

namespace GuestAssist.Guest.Attribution;

/// <summary>
/// Frame → owning process, sorted by PFN. A frame mapped by several processes belongs to the first one walked.
/// The host planner sees it as the map's per-run owners (<see cref="ToFrameOwners"/>) and can favour a service.
/// </summary>
public sealed class OwnerIndex
{
    private readonly ulong[] _pfns;
    private readonly int[] _owners;

    internal OwnerIndex(ulong[] pfns, int[] owners, int count, IReadOnlyList<ProcessOwner> processes)
    {
        _pfns = pfns;
        _owners = owners;
        Count = count;
        Processes = processes;
    }

    public int Count { get; }

    public IReadOnlyList<ProcessOwner> Processes { get; }

    public ulong PfnAt(int index) => _pfns[index];

    public int OwnerAt(int index) => _owners[index];

    /// <summary>First index at or after <paramref name="cursor"/> whose PFN is ≥ <paramref name="pfn"/>.</summary>
    public int SeekFrom(int cursor, ulong pfn)
    {
        while (cursor < Count && _pfns[cursor] < pfn)
        {
            cursor++;
        }
        return cursor;
    }

    public bool TryGetOwner(ulong pfn, out ProcessOwner owner)
    {
        var index = Array.BinarySearch(_pfns, 0, Count, pfn);
        owner = index >= 0 ? Processes[_owners[index]] : null!;
        return index >= 0;
    }

    /// <summary>Frames whose first owner is <paramref name="pid"/>.</summary>
    public ulong FramesOwnedBy(int pid)
    {
        ulong frames = 0;
        for (var i = 0; i < Count; i++)
        {
            if (Processes[_owners[i]].Pid == pid)
            {
                frames++;
            }
        }
        return frames;
    }

    public IReadOnlyList<FrameOwner> ToFrameOwners()
    {
        var owners = new List<FrameOwner>(Processes.Count);
        for (var i = 0; i < Processes.Count; i++)
        {
            var process = Processes[i];
            owners.Add(new FrameOwner { Index = (uint)i, Pid = process.Pid, Command = process.Command, Cgroup = process.Cgroup });
        }
        return owners;
    }
}
