using GuestAssist.Host.DirtyLog;
using GuestAssist.Host.Layout;
using GuestAssist.Host.Planning;
using GuestAssist.Protocol.PageMaps;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Host.Tests.Planning;

public class TransferPlannerScaleTests
{
    [Fact]
    public void A_64_GiB_guest_plans_in_a_few_bits_per_frame_and_drains_completely()
    {
        var layout = GuestMemoryLayout.Firecracker(64UL << 30);
        var builder = new PageClassMapBuilder(withHeat: true);
        var rng = new Random(1);
        while (builder.NextGfn < layout.TotalFrames)
        {
            var length = Math.Min((ulong)rng.Next(1, 4096), layout.TotalFrames - builder.NextGfn);
            builder.Append(length, (PageClass)rng.Next(1, 8), (byte)rng.Next(256));
        }
        var map = builder.Build(new MapEpoch(), 4096);
        var log = new DirtyBitmap(layout.TotalFrames, trackingStartedAt: 1);
        log.Seal(3);
        var backedFrames = layout.MemoryBytes >> 12;

        var before = GC.GetAllocatedBytesForCurrentThread();
        var planner = new TransferPlanner(map, layout, mapRequestedAt: 2, log);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(16UL << 20, backedFrames);
        Assert.True(allocated < (long)(layout.TotalFrames * 5 / 8), $"planner for {layout.TotalFrames} frames and {map.RunCount} runs allocated {allocated} bytes");
        var buffer = new ulong[256];
        ulong handed = 0;
        int n;
        while ((n = planner.NextBatch(buffer)) > 0 || (n = planner.TakeZeroFill(buffer)) > 0)
        {
            handed += (ulong)n;
        }
        Assert.Equal(backedFrames, handed);
        Assert.True(planner.IsComplete);
    }
}
