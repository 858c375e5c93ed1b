using GuestAssist.Host.Layout;
using GuestAssist.Host.Planning;

namespace GuestAssist.Host.Tests.Planning;

public class AddressOrderPlannerTests
{
    [Fact]
    public void Sends_backed_frames_in_address_order_skipping_holes()
    {
        var layout = new GuestMemoryLayout([new MemoryRegion(0, 4 << 12, 0), new MemoryRegion(8 << 12, 2 << 12, 4 << 12)]);
        var planner = new AddressOrderPlanner(layout);
        var buffer = new ulong[16];

        var n = planner.NextBatch(buffer);

        Assert.Equal(new ulong[] { 0, 1, 2, 3, 8, 9 }, buffer[..n]);
        Assert.True(planner.IsComplete);
        Assert.Equal("skipping disabled: address-order policy", planner.GetStatistics().SkippingState);
    }

    [Fact]
    public void A_fault_restarts_the_scan_after_the_faulted_frame_and_wraps_around()
    {
        var planner = new AddressOrderPlanner(new GuestMemoryLayout([new MemoryRegion(0, 100 << 12, 0)]));
        var buffer = new ulong[100];
        planner.NextBatch(buffer.AsSpan(0, 10));

        Assert.Equal(FaultDisposition.SendNow, planner.OnDemandFault(50));
        var n = planner.NextBatch(buffer);

        Assert.Equal(Enumerable.Range(51, 49).Concat(Enumerable.Range(10, 40)).Select(i => (ulong)i), buffer[..n]);
        Assert.Equal(FaultDisposition.AlreadyHandled, planner.OnDemandFault(5));
        Assert.Equal(0, planner.NextBatch(buffer));
        Assert.Equal(1UL, planner.GetStatistics().UrgentFrames);
    }

    [Fact]
    public void Every_backed_frame_exactly_once_under_random_faults_received_bitmaps_and_resumes()
    {
        for (var seed = 0; seed < 60; seed++)
        {
            var rng = new Random(seed);
            var layout = RandomScenario.RandomLayout(rng);
            var received = new ulong[(layout.TotalFrames + 63) / 64];
            for (var gfn = 0UL; gfn < layout.TotalFrames; gfn++)
            {
                if (rng.Next(5) == 0)
                {
                    received[gfn / 64] |= 1UL << (int)(gfn % 64);
                }
            }
            var planner = new AddressOrderPlanner(layout, received);
            var driver = new PlannerDriver(planner, layout.TotalFrames) { WasReceived = gfn => (received[gfn / 64] & (1UL << (int)(gfn % 64))) != 0 };
            for (var step = 0; step < 200; step++)
            {
                var gfn = (ulong)rng.Next(0, (int)layout.TotalFrames + 10);
                switch (rng.Next(5))
                {
                    case 0:
                        Assert.Equal(layout.IsBacked(gfn), driver.Fault(gfn) != FaultDisposition.NotBacked);
                        break;
                    case 1:
                        driver.MarkReceived(gfn);
                        break;
                    default:
                        driver.Batch(rng.Next(1, 65));
                        break;
                }
            }
            driver.Drain();

            for (var gfn = 0UL; gfn < layout.TotalFrames; gfn++)
            {
                var wasReceived = (received[gfn / 64] & (1UL << (int)(gfn % 64))) != 0;
                Assert.Equal(layout.IsBacked(gfn) && !wasReceived, driver.HandedOut[gfn] != 0);
            }
            Assert.True(planner.IsComplete);
        }
    }
}
