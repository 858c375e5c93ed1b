using GuestAssist.Guest.Attribution;
using GuestAssist.Protocol.PageMaps;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Agent.Serving;

/// <summary>Host dirty-log frames → the processes that own them (first mapper wins), plus what no process owns (kernel, page cache).</summary>
internal static class DirtyAttributor
{
    public static DirtyAttribution Attribute(OwnerIndex owners, IReadOnlyList<ClassRun> runs, ulong windowNs, uint pageSize)
    {
        var perOwner = new Dictionary<int, ulong>();
        ulong unattributed = 0;
        var cursor = 0;
        foreach (var run in runs.Where(r => r.Class != PageClass.Unbacked).OrderBy(r => r.StartGfn))
        {
            for (var gfn = run.StartGfn; gfn < run.EndGfn; gfn++)
            {
                cursor = owners.SeekFrom(cursor, gfn);
                if (cursor < owners.Count && owners.PfnAt(cursor) == gfn)
                {
                    var owner = owners.OwnerAt(cursor);
                    perOwner[owner] = perOwner.GetValueOrDefault(owner) + 1;
                }
                else
                {
                    unattributed++;
                }
            }
        }
        var seconds = windowNs / 1e9;
        var attribution = new DirtyAttribution { UnattributedFrames = unattributed };
        foreach (var (owner, frames) in perOwner.OrderByDescending(p => p.Value))
        {
            var process = owners.Processes[owner];
            attribution.Processes.Add(new ProcessDirtyRate
            {
                Pid = process.Pid,
                Command = process.Command,
                Cgroup = process.Cgroup,
                DirtyFrames = frames,
                BytesPerSecond = frames * pageSize / seconds,
                Method = Guest.Throttling.DirtyRateSample.HostDirtyLog,
            });
        }
        return attribution;
    }
}
