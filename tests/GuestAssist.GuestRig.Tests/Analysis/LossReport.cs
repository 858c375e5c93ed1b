using GuestAssist.Protocol.PageMaps;
using GuestAssist.Protocol.V1;

namespace GuestAssist.GuestRig.Tests.Analysis;

/// <summary>
/// For one workload and one map: LOST indices, none of whose copies lies wholly in sent frames (header
/// frame and, for an offset copy, one of the frames holding its continuation), with the classes of the
/// frames their copies occupy; and indices the rig cannot judge — no copy in RAM at all (Missing), or
/// only offset copies whose continuation was not found (Untraceable): either means the rig is broken.
/// </summary>
public sealed record LossReport(string Workload, int Pages, int Copies, int OffsetCopies, int Missing, int Untraceable, int Lost, IReadOnlyDictionary<PageClass, int> LostFramesByClass)
{
    public bool RigBroken => Missing > 0 || Untraceable > 0;

    public static LossReport Compute(string workload, uint tag, int pages, PatternCopies copies, PageClassMap map)
    {
        int copyCount = 0, offsetCopies = 0, missing = 0, untraceable = 0, lost = 0;
        var byClass = new Dictionary<PageClass, int>();
        PageClass ClassOf(ulong gfn) => gfn < map.TotalFrames ? map.ClassOf(gfn) : PageClass.Unspecified;
        bool Sent(ulong gfn) => SentClasses.IsSent(ClassOf(gfn));
        for (uint index = 0; index < pages; index++)
        {
            var found = copies.CopiesOf(tag, index);
            copyCount += found.Count;
            offsetCopies += found.Count(c => c.NeedsTail);
            if (found.Count == 0)
            {
                missing++;
                continue;
            }
            var judged = found.Where(c => !c.IsIncomplete).ToList();
            if (judged.Count == 0)
            {
                untraceable++;
                continue;
            }
            if (judged.Any(c => Sent(c.HeaderGfn) && (!c.NeedsTail || c.TailGfns.Any(Sent))))
            {
                continue;
            }
            lost++;
            foreach (var gfn in judged.SelectMany(c => c.TailGfns.Prepend(c.HeaderGfn)))
            {
                var pageClass = ClassOf(gfn);
                byClass[pageClass] = byClass.GetValueOrDefault(pageClass) + 1;
            }
        }
        return new LossReport(workload, pages, copyCount, offsetCopies, missing, untraceable, lost, byClass);
    }

    public override string ToString() =>
        $"{Workload}: {Lost} of {Pages} pages LOST; {Copies} copies found ({OffsetCopies} at an offset), {Missing} pages missing from RAM, {Untraceable} untraceable"
        + (LostFramesByClass.Count == 0 ? "" : $" (frames of lost copies by class: {string.Join(", ", LostFramesByClass.Select(kv => $"{kv.Key} {kv.Value}"))})");
}
