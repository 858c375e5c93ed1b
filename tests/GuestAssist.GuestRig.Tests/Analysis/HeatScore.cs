using GuestAssist.Protocol.PageMaps;
using GuestAssist.Protocol.V1;

namespace GuestAssist.GuestRig.Tests.Analysis;

/// <summary>
/// How well a map's HOT class matches a heat workload: recall = hot-tag pages classed HOT / hot-tag pages
/// found in RAM; false-hot = cold-tag pages classed HOT / cold-tag pages found (a page counts as HOT when
/// any of its copies' frames is; anonymous pages sit at offset 0).
/// </summary>
public sealed record HeatScore(int HotFound, int HotClassedHot, int ColdFound, int ColdClassedHot)
{
    public double Recall => HotFound == 0 ? 0 : (double)HotClassedHot / HotFound;

    public double FalseHot => ColdFound == 0 ? 0 : (double)ColdClassedHot / ColdFound;

    public static HeatScore Compute(uint hotTag, int hotPages, uint coldTag, int coldPages, PatternCopies copies, PageClassMap map)
    {
        var (hotFound, hotHot) = Count(hotTag, hotPages, copies, map);
        var (coldFound, coldHot) = Count(coldTag, coldPages, copies, map);
        return new HeatScore(hotFound, hotHot, coldFound, coldHot);
    }

    private static (int Found, int Hot) Count(uint tag, int pages, PatternCopies copies, PageClassMap map)
    {
        int foundPages = 0, hot = 0;
        for (uint index = 0; index < pages; index++)
        {
            var found = copies.CopiesOf(tag, index);
            if (found.Count == 0)
            {
                continue;
            }
            foundPages++;
            if (found.Any(c => c.HeaderGfn < map.TotalFrames && map.ClassOf(c.HeaderGfn) == PageClass.Hot))
            {
                hot++;
            }
        }
        return (foundPages, hot);
    }
}
