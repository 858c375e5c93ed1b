using GuestAssist.Protocol.V1;

namespace GuestAssist.Guest.Attribution;

/// <summary>
/// Frame → owning process, sorted by PFN. A frame mapped by several processes belongs to the first one walked.
/// The host planner sees it as the map's per-run owners (<see cref="ToFrameOwners"/>) and can favour a service.
/// </summary>
public sealed class OwnerIndex
{
    /// <summary>Low bits of an entry: the owner's index into <see cref="Processes"/>; the frame number is above them.</summary>
    internal const int OwnerBits = 22;

    private const ulong OwnerMask = (1UL << OwnerBits) - 1;

    // (pfn << OwnerBits) | owner, sorted, one per frame: the attributor's own entry array, not a copy.
    private readonly ulong[] _entries;

    internal OwnerIndex(ulong[] entries, int count, IReadOnlyList<ProcessOwner> processes)
    {
        _entries = entries;
        Count = count;
        Processes = processes;
    }

    public int Count { get; }

    public IReadOnlyList<ProcessOwner> Processes { get; }

    public ulong PfnAt(int index) => _entries[index] >> OwnerBits;

    public int OwnerAt(int index) => (int)(_entries[index] & OwnerMask);

    /// <summary>First index at or after <paramref name="cursor"/> whose PFN is ≥ <paramref name="pfn"/>.</summary>
    public int SeekFrom(int cursor, ulong pfn)
    {
        while (cursor < Count && PfnAt(cursor) < pfn)
        {
            cursor++;
        }
        return cursor;
    }

    public bool TryGetOwner(ulong pfn, out ProcessOwner owner)
    {
        // The frame's entry, if any, is the first one at or after (pfn, owner 0).
        var index = Array.BinarySearch(_entries, 0, Count, pfn << OwnerBits);
        index = index >= 0 ? index : ~index;
        var found = index < Count && PfnAt(index) == pfn;
        owner = found ? Processes[OwnerAt(index)] : null!;
        return found;
    }

    /// <summary>Frames whose first owner is <paramref name="pid"/>.</summary>
    public ulong FramesOwnedBy(int pid)
    {
        ulong frames = 0;
        for (var i = 0; i < Count; i++)
        {
            if (Processes[OwnerAt(i)].Pid == pid)
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
