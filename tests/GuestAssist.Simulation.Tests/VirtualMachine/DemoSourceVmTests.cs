using System.Diagnostics;
using GuestAssist.Host.DirtyLog;
using GuestAssist.Host.Layout;
using GuestAssist.Host.Planning;
using GuestAssist.Linux.Memory;
using GuestAssist.Linux.Tests.Userfaultfd;
using GuestAssist.Protocol.V1;
using GuestAssist.Simulation.VirtualMachine;

namespace GuestAssist.Simulation.Tests.VirtualMachine;

/// <summary>The demo source's dirty log is the real write tracker over the memfd mapping its workload writes through.</summary>
public class DemoSourceVmTests
{
    private const ulong Size = 32UL << 20;

    [UffdFact]
    public void The_tracker_sees_exactly_the_frames_the_workload_wrote_after_the_report()
    {
        var scenario = new DemoScenario(Size, seed: 5);
        using var vm = new DemoSourceVm(scenario);
        using var dirtyLog = DemoDirtyLog.Start(vm.Layout);
        var tracker = Assert.IsType<UffdWriteTracker>(dirtyLog.Log);
        vm.RunUntilSwitchover();
        dirtyLog.Seal();

        Assert.Equal(scenario.WrittenAfterReport.Order(), Dirty(tracker));
        Assert.Equal(scenario.WrittenAfterReport.Length, dirtyLog.FramesWritten);
        Assert.StartsWith("uffd write-protect (WP_ASYNC) + PAGEMAP_SCAN", dirtyLog.Describe(), StringComparison.Ordinal);
    }

    [UffdFact]
    public void A_frame_reported_free_and_written_after_the_report_is_sent_and_never_skipped()
    {
        var scenario = new DemoScenario(Size, seed: 5);
        using var vm = new DemoSourceVm(scenario);
        using var dirtyLog = DemoDirtyLog.Start(vm.Layout);
        var mapRequestedAt = Stopwatch.GetTimestamp();
        vm.RunUntilSwitchover();
        dirtyLog.Seal();
        var planner = new TransferPlanner(scenario.Map, scenario.Layout, mapRequestedAt, dirtyLog.Log);

        var (sent, zeroFilled) = Drain(planner);

        Assert.Equal(SkippingStates.Enabled, planner.SkippingState);
        var writtenFree = scenario.WrittenAfterReport.Where(g => scenario.Classes[g] == PageClass.Free).ToArray();
        Assert.NotEmpty(writtenFree);
        Assert.All(writtenFree, g => Assert.Contains(g, sent));
        Assert.All(writtenFree, g => Assert.DoesNotContain(g, zeroFilled));
        var written = scenario.WrittenAfterReport.ToHashSet();
        var clean = Enumerable.Range(0, (int)scenario.Frames).Select(i => (ulong)i).Where(g => scenario.IsSkippable(g, written));
        Assert.Equal(clean, zeroFilled.Order());
    }

    [UffdFact]
    public void Shared_memfd_pages_written_through_the_tracked_mapping_are_seen_whether_or_not_it_had_populated_them()
    {
        const ulong page = 4096;
        using var file = MemoryFile.Create("guestassist-demo-test", 64 * page);
        using var memory = MappedMemory.MapFile(file, 64 * page, 0, MemoryProtection.ReadWrite, shared: true);
        memory.AsSpan(0, (int)(32 * page)).Fill(1);
        var layout = new GuestMemoryLayout([new MemoryRegion(0, memory.Length, 0, memory.Address64)]);
        using var tracker = UffdWriteTracker.ForCurrentProcess(layout);

        memory.AsSpan(3 * page, 1)[0] = 2;   // populated before tracking
        memory.AsSpan(40 * page, 1)[0] = 2;  // never touched through this mapping: a uffd-wp marker, not a PTE
        _ = memory.AsSpan(10 * page, 1)[0];  // a read is not a write
        _ = memory.AsSpan(50 * page, 1)[0];
        tracker.Collect();
        Assert.Equal([3UL, 40], Dirty(tracker));

        memory.AsSpan(50 * page, 1)[0] = 2;  // first read-faulted in, then written
        using (var other = MappedMemory.MapFile(file, 64 * page, 0, MemoryProtection.ReadWrite, shared: true))
        {
            other.AsSpan(20 * page, 1)[0] = 2; // the limit: a store through a mapping the tracker did not register goes unseen
        }
        tracker.Seal();
        Assert.Equal([3UL, 40, 50], Dirty(tracker));
    }

    private static (HashSet<ulong> Sent, List<ulong> ZeroFilled) Drain(TransferPlanner planner)
    {
        var buffer = new ulong[256];
        var sent = new HashSet<ulong>();
        var zero = new List<ulong>();
        for (int n; (n = planner.NextBatch(buffer)) > 0;)
        {
            sent.UnionWith(buffer.Take(n));
        }
        for (int n; (n = planner.TakeZeroFill(buffer)) > 0;)
        {
            zero.AddRange(buffer.Take(n));
        }
        Assert.True(planner.IsComplete);
        return (sent, zero);
    }

    private static ulong[] Dirty(IDirtyLog log) =>
        [.. Enumerable.Range(0, (int)log.TotalFrames).Select(i => (ulong)i).Where(log.IsDirty)];
}
