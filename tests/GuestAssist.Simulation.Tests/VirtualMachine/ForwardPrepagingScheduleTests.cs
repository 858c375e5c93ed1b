using GuestAssist.Host.Planning;
using GuestAssist.Simulation.VirtualMachine;

namespace GuestAssist.Simulation.Tests.VirtualMachine;

public class ForwardPrepagingScheduleTests
{
    [Fact]
    public void A_fault_streams_the_frames_above_it_first_and_a_fault_in_flight_does_not_move_the_window()
    {
        var scenario = new DemoScenario(32UL << 20, seed: 2);
        var planner = new TransferPlanner(scenario.Map, scenario.Layout, mapRequestedAt: 0);
        var schedule = new ForwardPrepagingSchedule(planner, window: 100);
        var batch = new ulong[16];

        schedule.OnDemandFault(1000);
        Assert.Equal(16, schedule.NextBatch(batch));
        Assert.Equal(Enumerable.Range(1001, 16).Select(i => (ulong)i), batch);
        schedule.OnDemandFault(1005); // already sent by the window: in flight
        schedule.NextBatch(batch);
        Assert.Equal(1017UL, batch[0]);

        schedule.OnDemandFault(5000); // elsewhere: the window moves
        schedule.NextBatch(batch);
        Assert.Equal(Enumerable.Range(5001, 16).Select(i => (ulong)i), batch);
    }

    [Fact]
    public void Every_frame_is_handed_out_exactly_once()
    {
        var scenario = new DemoScenario(32UL << 20, seed: 2);
        var planner = new TransferPlanner(scenario.Map, scenario.Layout, mapRequestedAt: 0);
        var schedule = new ForwardPrepagingSchedule(planner, window: 512);
        var batch = new ulong[64];
        var seen = new List<ulong> { 3000, 7000 };
        schedule.OnDemandFault(3000);
        for (int n, round = 0; (n = schedule.NextBatch(batch)) > 0; round++)
        {
            seen.AddRange(batch.Take(n));
            if (round == 3)
            {
                schedule.OnDemandFault(7000);
            }
        }
        Assert.Equal(Enumerable.Range(0, (int)scenario.Frames).Select(i => (ulong)i), seen.Order());
        Assert.True(planner.IsComplete);
    }
}
