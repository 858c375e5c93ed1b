using GuestAssist.Host.DirtyLog;
using GuestAssist.Protocol.PageMaps;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Host.EvictionSession;

/// <summary>
/// Folds the host's write log into a class map as heat: a frame written since the log started is hot unless the map ranks
/// it higher (kernel) or calls it free or unbacked (those keep their class: the dirty log already decides whether a
/// written free frame is sent). Reordering only: no frame changes whether it is sent.
/// </summary>
internal static class HostWriteHeat
{
    public static PageClassMap Apply(PageClassMap map, IDirtyLog log)
    {
        var runs = new List<ClassRun>(map.RunCount);
        var owners = map.RunOwner is null ? null : new List<uint>(map.RunCount);
        var source = map.Runs;
        for (var r = 0; r < source.Length; r++)
        {
            var run = source[r];
            var owner = map.RunOwner?[r] ?? 0;
            if (run.Class is PageClass.Kernel or PageClass.Hot or PageClass.Free or PageClass.Unbacked)
            {
                Append(runs, owners, run, owner);
                continue;
            }
            var gfn = run.StartGfn;
            while (gfn < run.EndGfn)
            {
                var hot = Written(log, gfn);
                var end = gfn + 1;
                while (end < run.EndGfn && Written(log, end) == hot)
                {
                    end++;
                }
                Append(runs, owners, new ClassRun(gfn, end - gfn, hot ? PageClass.Hot : run.Class), owner);
                gfn = end;
            }
        }
        return new PageClassMap(map.Epoch, map.PageSize, [.. runs], runHeat: null, owners is null ? null : [.. owners], map.Owners);
    }

    private static bool Written(IDirtyLog log, ulong gfn) => gfn < log.TotalFrames && log.IsDirty(gfn);

    private static void Append(List<ClassRun> runs, List<uint>? owners, ClassRun run, uint owner)
    {
        if (runs.Count > 0 && runs[^1].Class == run.Class && runs[^1].EndGfn == run.StartGfn && (owners is null || owners[^1] == owner))
        {
            runs[^1] = runs[^1] with { Length = runs[^1].Length + run.Length };
            return;
        }
        runs.Add(run);
        owners?.Add(owner);
    }
}
