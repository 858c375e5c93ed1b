using GuestAssist.Protocol.PageMaps;
using GuestAssist.Protocol.V1;

namespace GuestAssist.GuestRig.Tests.Analysis;

/// <summary>
/// For one workload and one map: indices with no copy in RAM at all (the rig is broken), and LOST
/// indices, none of whose copies sits in a sent frame, with the classes their copies got.
/// </summary>
public sealed record LossReport(string Workload, int Pages, int Copies, int Missing, int Lost, IReadOnlyDictionary<PageClass, int> LostCopiesByClass)
{
    public static LossReport Compute(string workload, uint tag, int pages, PatternCopies copies, PageClassMap map)
    {
        int missing = 0, lost = 0, copyCount = 0;
        var byClass = new Dictionary<PageClass, int>();
        for (uint index = 0; index < pages; index++)
        {
            var gfns = copies.GfnsOf(tag, index);
            copyCount += gfns.Count;
            if (gfns.Count == 0)
            {
                missing++;
                continue;
            }
            if (gfns.Any(gfn => gfn < map.TotalFrames && SentClasses.IsSent(map.ClassOf(gfn))))
            {
                continue;
            }
            lost++;
            foreach (var gfn in gfns)
            {
                var pageClass = gfn < map.TotalFrames ? map.ClassOf(gfn) : PageClass.Unspecified;
                byClass[pageClass] = byClass.GetValueOrDefault(pageClass) + 1;
            }
        }
        return new LossReport(workload, pages, copyCount, missing, lost, byClass);
    }

    public override string ToString() =>
        $"{Workload}: {Lost} of {Pages} pages LOST, {Missing} missing from RAM, {Copies} copies found"
        + (LostCopiesByClass.Count == 0 ? "" : $" (lost copies by class: {string.Join(", ", LostCopiesByClass.Select(kv => $"{kv.Key} {kv.Value}"))})");
}
