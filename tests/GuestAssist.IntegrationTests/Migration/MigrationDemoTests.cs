using GuestAssist.Cli.Demo;
using GuestAssist.IntegrationTests.Firecracker;
using GuestAssist.Simulation.VirtualMachine;

namespace GuestAssist.IntegrationTests.Migration;

/// <summary>
/// Whole post-copy migrations between two processes of the CLI: a source whose memory is a memfd, a destination whose
/// memory is uffd-registered; every page compared with the source at the end, none installed twice.
/// </summary>
public class MigrationDemoTests
{
    private const ulong Size = 32UL << 20;

    [RootTheory]
    [InlineData(DemoPolicy.Enlightened)]
    [InlineData(DemoPolicy.EnlightenedWithoutPrepaging)]
    [InlineData(DemoPolicy.EnlightenedForwardPrepaging)]
    public void Enlightened_migration_verifies_every_page_and_skips_only_clean_free_frames(DemoPolicy policy)
    {
        var run = DemoOrchestrator.ForThisProcess().Run(policy, Size, "10gbit", seed: 1, cutAfter: null);
        AssertVerified(run);
        var scenario = new DemoScenario(Size, 1);
        var free = scenario.Classes.LongCount(c => c == Protocol.V1.PageClass.Free);
        var dirtiedFree = scenario.WrittenAfterReport.LongCount(g => scenario.Classes[g] == Protocol.V1.PageClass.Free);
        Assert.Equal(free - dirtiedFree, run.Source.Long("skipped_frames"));
        Assert.Contains("skipping enabled", run.Source.Text("schedule"), StringComparison.Ordinal);
        // The source learnt which frames its workload wrote only from the uffd write tracker.
        Assert.StartsWith("uffd write-protect (WP_ASYNC) + PAGEMAP_SCAN", run.Source.Text("dirty_log"), StringComparison.Ordinal);
        Assert.Equal(scenario.WrittenAfterReport.Length, run.Source.Long("dirty_frames"));
    }

    [RootFact]
    public void A_workload_walking_runs_of_neighbouring_frames_migrates_with_every_page_verified()
    {
        var run = DemoOrchestrator.ForThisProcess().Run(DemoPolicy.Enlightened, Size, "10gbit", seed: 4, cutAfter: null, DemoWorkload.SequentialRuns);
        AssertVerified(run);
    }

    [RootTheory]
    [InlineData(null)]
    [InlineData(1500L)]
    public void Hybrid_migration_pushes_the_hot_set_before_switchover_resends_what_the_guest_wrote_and_verifies_every_page(long? cutAfter)
    {
        var run = DemoOrchestrator.ForThisProcess().Run(DemoPolicy.Enlightened, Size, "10gbit", seed: 1, cutAfter, mode: Host.EvictionSession.EvictionMode.Hybrid);
        AssertVerified(run, demandFaults: false);
        var scenario = new DemoScenario(Size, 1);
        var hotSet = scenario.Classes.LongCount(c => c is Protocol.V1.PageClass.Kernel or Protocol.V1.PageClass.Hot);
        var rewritten = scenario.WrittenAfterReport.LongCount(g => scenario.Classes[g] is Protocol.V1.PageClass.Kernel or Protocol.V1.PageClass.Hot);
        Assert.Equal("hybrid", run.Source.Text("mode"));
        Assert.True(run.Source.Long("pushed_before_switchover") >= hotSet, $"pushed {run.Source.Long("pushed_before_switchover")} of {hotSet}");
        Assert.True(rewritten > 0, "the scenario should rewrite some of the hot set after the report");
        // A cut during the resend leaves part of it counted on the cut connection; the new one starts past switchover.
        Assert.InRange(run.Source.Long("resent_at_switchover"), cutAfter is null ? rewritten : 0, rewritten);
    }

    [RootFact]
    public void Address_order_migration_verifies_every_page_and_skips_nothing()
    {
        var run = DemoOrchestrator.ForThisProcess().Run(DemoPolicy.AddressOrder, Size, "unlimited", seed: 2, cutAfter: null);
        AssertVerified(run);
        Assert.Equal(0, run.Source.Long("skipped_frames"));
    }

    [RootTheory]
    [InlineData(DemoPolicy.Enlightened, 3, 1500)]
    [InlineData(DemoPolicy.EnlightenedForwardPrepaging, 5, 1500)]
    [InlineData(DemoPolicy.AddressOrder, 4, 5000)]
    public void Cut_connections_reconnect_and_resume_with_every_page_verified(DemoPolicy policy, int seed, long cutAfter)
    {
        var run = DemoOrchestrator.ForThisProcess().Run(policy, Size, "unlimited", seed, cutAfter);
        AssertVerified(run);
        Assert.Equal(2, run.Destination.Long("cuts"));
        // Both channels were cut; a channel cut so late that the other one brought the last pages meanwhile need not come
        // back (the source frees its copy once the destination has every page), so at least one reconnect, not two.
        var reconnects = run.Destination.Long("reconnects");
        Assert.True(reconnects >= 1, $"reconnects {reconnects}");
        Assert.True(run.Source.Long("connections") >= 3, $"connections {run.Source.Long("connections")}, reconnects {reconnects}");
    }

    private static void AssertVerified(DemoRun run, bool demandFaults = true)
    {
        var d = run.Destination;
        Assert.True(run.Verified, $"destination: {d}");
        Assert.Equal(Size / 4096, (ulong)d.Long("verified_ok"));
        Assert.Equal(0, d.Long("mismatches"));
        Assert.Equal(0, d.Long("double_installs"));
        Assert.True(!demandFaults || d.Long("faults") > 0, "the workload should have demand-faulted");
    }
}
