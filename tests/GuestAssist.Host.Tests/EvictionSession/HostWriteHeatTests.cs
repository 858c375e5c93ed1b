using GuestAssist.Host.DirtyLog;
using GuestAssist.Host.EvictionSession;
using GuestAssist.Protocol.PageMaps;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Host.Tests.EvictionSession;

public class HostWriteHeatTests
{
    [Fact]
    public void Written_frames_become_hot_unless_the_map_calls_them_kernel_free_or_unbacked()
    {
        ClassRun[] runs =
        [
            new(0, 10, PageClass.Kernel),
            new(10, 10, PageClass.Active),
            new(20, 10, PageClass.Inactive),
            new(30, 10, PageClass.Cache),
            new(40, 10, PageClass.Free),
            new(50, 10, PageClass.Unbacked),
            new(60, 4, PageClass.Unproven),
        ];
        var map = new PageClassMap(new MapEpoch { Sequence = 3 }, 4096, runs);
        var log = DirtyBitmap.StartNow(64);
        foreach (var gfn in new ulong[] { 5, 12, 13, 19, 20, 35, 45, 55, 63 })
        {
            log.MarkDirty(gfn);
        }

        var heated = HostWriteHeat.Apply(map, log);

        Assert.Equal(map.TotalFrames, heated.TotalFrames);
        Assert.Equal(3UL, heated.Epoch.Sequence);
        for (var gfn = 0UL; gfn < 64; gfn++)
        {
            var expected = log.IsDirty(gfn) && map.ClassOf(gfn) is PageClass.Active or PageClass.Inactive or PageClass.Cache or PageClass.Unproven
                ? PageClass.Hot
                : map.ClassOf(gfn);
            Assert.Equal(expected, heated.ClassOf(gfn));
        }
        // 19 (Active) and 20 (Inactive) are neighbours: one hot run, not two.
        Assert.Contains(heated.Runs.ToArray(), r => r is { StartGfn: 19, Length: 2, Class: PageClass.Hot });
    }
}
