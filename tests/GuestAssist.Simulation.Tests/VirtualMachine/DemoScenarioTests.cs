using GuestAssist.Protocol.V1;
using GuestAssist.Simulation.VirtualMachine;

namespace GuestAssist.Simulation.Tests.VirtualMachine;

public class DemoScenarioTests
{
    private const ulong Size = 32UL << 20;

    [Fact]
    public void Source_and_destination_derive_the_same_scenario_from_size_and_seed()
    {
        var a = new DemoScenario(Size, seed: 7);
        var b = new DemoScenario(Size, seed: 7);
        Assert.Equal(a.Classes, b.Classes);
        Assert.Equal(a.WorkingSet, b.WorkingSet);
        Assert.Equal(a.WrittenAfterReport, b.WrittenAfterReport);
    }

    [Fact]
    public void Map_covers_every_frame_and_the_working_set_is_hot_and_kernel_frames_in_shuffled_order()
    {
        var scenario = new DemoScenario(256UL << 20, seed: 3);
        Assert.Equal(scenario.Frames, scenario.Map.TotalFrames);
        var expected = Enumerable.Range(0, (int)scenario.Frames).Select(i => (ulong)i)
            .Where(g => scenario.Classes[g] == PageClass.Hot || (scenario.Classes[g] == PageClass.Kernel && g % 2 == 0)).ToArray();
        Assert.Equal(expected, scenario.WorkingSet.Order().ToArray());
        Assert.NotEqual(scenario.WorkingSet.Order().ToArray(), scenario.WorkingSet);
    }

    [Fact]
    public void Sequential_runs_walk_neighbouring_frames_in_address_order_and_reach_beyond_the_hot_frames()
    {
        var scattered = new DemoScenario(256UL << 20, seed: 3);
        var runs = new DemoScenario(256UL << 20, seed: 3, DemoWorkload.SequentialRuns);
        var set = runs.WorkingSet;
        Assert.Equal(scattered.Classes, runs.Classes);
        Assert.Equal(scattered.WrittenAfterReport, runs.WrittenAfterReport);
        Assert.Equal(scattered.WorkingSet.Length, set.Length);
        Assert.Equal(set.Length, set.Distinct().Count());
        Assert.Equal(set, new DemoScenario(256UL << 20, seed: 3, DemoWorkload.SequentialRuns).WorkingSet);
        Assert.DoesNotContain(set, g => runs.Classes[g] is PageClass.Free or PageClass.Unbacked);
        var notHot = set.Count(g => runs.Classes[g] is not (PageClass.Hot or PageClass.Kernel));
        Assert.InRange(notHot, set.Length / 10, set.Length / 2);
        // Mostly one frame after the other; the jumps are where a new run starts (one per 16-256 frames, ~136 on average).
        var steps = set.Zip(set.Skip(1), (a, b) => b == a + 1).Count(next => next);
        Assert.InRange(steps, set.Length * 9 / 10, set.Length - 1);
        Assert.InRange(set.Length - steps, set.Length / 300, set.Length / 16);
    }

    [Fact]
    public void Only_free_frames_not_written_after_the_report_may_read_zero()
    {
        var scenario = new DemoScenario(Size, seed: 5);
        var written = scenario.WrittenAfterReport.ToHashSet();
        Assert.Contains(scenario.WrittenAfterReport, g => scenario.Classes[g] == PageClass.Free);
        for (ulong gfn = 0; gfn < scenario.Frames; gfn++)
        {
            var expected = scenario.Classes[gfn] is PageClass.Free or PageClass.Unbacked && !written.Contains(gfn);
            Assert.Equal(expected, scenario.IsSkippable(gfn, written));
        }
    }

    [Fact]
    public void Free_frames_hold_stale_data_at_the_source_as_in_a_real_guest()
    {
        var scenario = new DemoScenario(Size, seed: 9);
        var free = Enumerable.Range(0, (int)scenario.Frames).Select(i => (ulong)i).First(g => scenario.Classes[g] == PageClass.Free);
        Assert.True(scenario.HasInitialContent(free));
    }

    [Fact]
    public void Rejects_sizes_that_are_not_whole_2_MiB_units()
    {
        Assert.Throws<ArgumentException>(() => new DemoScenario(3UL << 20, seed: 1));
        Assert.Throws<ArgumentException>(() => new DemoScenario((32UL << 20) + 4096, seed: 1));
    }
}
