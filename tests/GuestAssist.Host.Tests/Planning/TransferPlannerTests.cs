using GuestAssist.Host.DirtyLog;
using GuestAssist.Host.Layout;
using GuestAssist.Host.Planning;
using GuestAssist.Protocol.PageMaps;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Host.Tests.Planning;

public class TransferPlannerTests
{
    private static readonly FrameOwner[] Owners =
    [
        new FrameOwner { Index = 0, Pid = 100, Command = "postgres", Cgroup = "/system.slice/postgres.service" },
        new FrameOwner { Index = 1, Pid = 200, Command = "nginx", Cgroup = "/system.slice/nginx.service" },
    ];

    [Theory]
    [InlineData(OwnerPriorityMode.TieBreak, new[] { 40, 10, 20, 0, 30, 50 })]
    [InlineData(OwnerPriorityMode.FirstInClass, new[] { 40, 20, 10, 0, 30, 50 })]
    [InlineData(OwnerPriorityMode.ClassBoost, new[] { 40, 20, 30, 10, 0, 50 })]
    public void Owner_priority_modes_order_runs(OwnerPriorityMode mode, int[] expectedRunStarts)
    {
        var map = OwnerMap();
        var options = new TransferPlannerOptions { OwnerPriorityMode = mode, PriorityOwners = [OwnerSelector.ByCgroup("nginx.service")] };
        var planner = new TransferPlanner(map, Flat(60), 0, options: options);

        var order = DrainBackground(planner);

        Assert.Equal(expectedRunStarts.Select(s => (ulong)s), order.Where((_, i) => i % 10 == 0));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (ulong)(expectedRunStarts[1] + i)), order.Skip(10).Take(10));
    }

    [Fact]
    public void Owner_selectors_match_by_index_pid_command_and_cgroup_suffix()
    {
        Assert.True(OwnerSelector.ByIndex(1).Matches(Owners[1]));
        Assert.True(OwnerSelector.ByPid(100).Matches(Owners[0]));
        Assert.True(OwnerSelector.ByCommand("nginx").Matches(Owners[1]));
        Assert.True(OwnerSelector.ByCgroup("/system.slice/nginx.service").Matches(Owners[1]));
        Assert.True(OwnerSelector.ByCgroup("system.slice/nginx.service").Matches(Owners[1]));
        Assert.False(OwnerSelector.ByCgroup("x.service").Matches(Owners[1]));
        Assert.False(OwnerSelector.ByCgroup("ginx.service").Matches(Owners[1]));
        Assert.False(OwnerSelector.ByCommand("").Matches(Owners[1]));
    }

    [Fact]
    public void Statistics_count_per_class_what_is_sent_skipped_and_what_falls_in_holes()
    {
        // Frames 0..99 backed, 100..149 a hole, 150..199 backed; the map covers 0..219 (20 frames beyond RAM).
        var layout = new GuestMemoryLayout([new MemoryRegion(0, 100 << 12, 0), new MemoryRegion(150 << 12, 50 << 12, 100 << 12)]);
        var map = new PageClassMap(new MapEpoch(), 4096,
        [
            new ClassRun(0, 30, PageClass.Kernel),
            new ClassRun(30, 60, PageClass.Cache),
            new ClassRun(90, 70, PageClass.Free),
            new ClassRun(160, 20, PageClass.Hot),
            new ClassRun(180, 40, PageClass.Unbacked),
        ]);
        var log = new DirtyBitmap(200, trackingStartedAt: 5);
        log.MarkDirty(91);
        log.MarkDirty(155);
        log.MarkDirty(185);
        var planner = new TransferPlanner(map, layout, mapRequestedAt: 10, log);

        var before = planner.GetStatistics();
        log.Seal(20);
        var after = planner.GetStatistics();

        Assert.False(before.SkippingEnabled);
        Assert.Equal("skipping disabled: dirty log not sealed", before.SkippingState);
        Assert.Equal(20UL, before.ToSend(PageClass.Free));
        Assert.Equal(0UL, before.TotalToSkip);
        Assert.True(after.SkippingEnabled);
        Assert.Equal(SkippingStates.Enabled, after.SkippingState);
        Assert.Equal(30UL, after.ToSend(PageClass.Kernel));
        Assert.Equal(60UL, after.ToSend(PageClass.Cache));
        Assert.Equal(20UL, after.ToSend(PageClass.Hot));
        Assert.Equal(2UL, after.ToSend(PageClass.Free));
        Assert.Equal(18UL, after.ToSkip(PageClass.Free));
        Assert.Equal(1UL, after.ToSend(PageClass.Unbacked));
        Assert.Equal(19UL, after.ToSkip(PageClass.Unbacked));
        Assert.Equal(50UL + 20, after.HoleFrames);
        Assert.Equal(113UL, after.TotalToSend);
        Assert.Equal(37UL, after.TotalToSkip);
        Assert.Equal(150UL, after.PendingFrames);
        Assert.Contains("to send 113, to skip 37", after.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Unproven_frames_are_sent_after_cache_and_never_skipped_even_with_a_clean_log()
    {
        var map = new PageClassMap(new MapEpoch(), 4096,
        [
            new ClassRun(0, 10, PageClass.Unproven),
            new ClassRun(10, 10, PageClass.Free),
            new ClassRun(20, 10, PageClass.Cache),
            new ClassRun(30, 10, PageClass.Kernel),
        ]);
        var log = new DirtyBitmap(40, trackingStartedAt: 5);
        log.Seal(20);
        var planner = new TransferPlanner(map, Flat(40), mapRequestedAt: 10, log);

        var statistics = planner.GetStatistics();
        var order = DrainBackground(planner);

        Assert.True(statistics.SkippingEnabled);
        Assert.Equal(10UL, statistics.ToSend(PageClass.Unproven));
        Assert.Equal(0UL, statistics.ToSkip(PageClass.Unproven));
        Assert.Equal(10UL, statistics.ToSkip(PageClass.Free));
        Assert.Equal(Range(30, 10).Concat(Range(20, 10)).Concat(Range(0, 10)), order);
    }

    [Theory]
    [InlineData(20UL, 30UL, "the class map covers 20 frames, the layout 30: a map of this guest covers 30 to 32768 frames")]
    [InlineData(6_553_600UL, 16_384UL, "the class map covers 6553600 frames, the layout 16384: a map of this guest covers 16128 to 32768 frames")]
    [InlineData(65_537UL, 32_769UL, "the class map covers 65537 frames, the layout 32769: a map of this guest covers 32257 to 65536 frames")]
    public void A_map_that_does_not_fit_the_layout_is_refused_naming_both_sizes(ulong mapFrames, ulong layoutFrames, string message)
    {
        var map = new PageClassMap(new MapEpoch(), 4096, [new ClassRun(0, mapFrames, PageClass.Cache)]);

        var error = Assert.Throws<ClassMapMismatchException>(() => new TransferPlanner(map, Flat(layoutFrames), 0));

        Assert.Equal(message, error.Message);
        Assert.Equal(mapFrames, error.MapFrames);
        Assert.Equal(layoutFrames, error.LayoutFrames);
        Assert.Equal(LayoutErrorKind.ClassMapMismatch, error.Kind);
    }

    [Fact]
    public void A_map_short_of_the_layout_by_a_firmware_tail_is_accepted_and_the_tail_is_sent_never_skipped()
    {
        // A 1 GiB QEMU pc guest: max_pfn stops 35 frames short of the top of RAM (e820 reserves them for ACPI tables).
        const ulong layoutFrames = 262_144, mapFrames = 262_109;
        var map = new PageClassMap(new MapEpoch(), 4096, [new ClassRun(0, mapFrames, PageClass.Free)]);
        var log = new DirtyBitmap(layoutFrames, trackingStartedAt: 5);
        log.Seal(20);

        var planner = new TransferPlanner(map, Flat(layoutFrames), mapRequestedAt: 10, log);
        var statistics = planner.GetStatistics();

        Assert.True(statistics.SkippingEnabled);
        Assert.Equal(mapFrames, statistics.ToSkip(PageClass.Free));
        Assert.Equal(layoutFrames - mapFrames, statistics.ToSend(PageClass.Unspecified));
        Assert.Equal(Range((int)mapFrames, (int)(layoutFrames - mapFrames)), DrainBackground(planner));
    }

    [Fact]
    public void A_map_overhanging_to_the_next_memory_section_is_accepted()
    {
        var map = new PageClassMap(new MapEpoch(), 4096, [new ClassRun(0, 10, PageClass.Free), new ClassRun(10, 32_768 - 10, PageClass.Cache)]);

        var planner = new TransferPlanner(map, Flat(30), 0);

        Assert.Equal(Range(10, 20).Concat(Range(0, 10)), DrainBackground(planner));
    }

    [Fact]
    public void The_firecracker_mmio_gap_is_never_emitted_even_when_the_map_covers_it()
    {
        const ulong gib = 1UL << 30;
        var layout = GuestMemoryLayout.Firecracker((3 * gib) + (4UL << 20));
        var lowFrames = 3 * gib >> 12;
        var map = new PageClassMap(new MapEpoch(), 4096,
        [
            new ClassRun(0, lowFrames, PageClass.Inactive),
            new ClassRun(lowFrames, (gib >> 12) + 2048, PageClass.Kernel),
        ]);
        var planner = new TransferPlanner(map, layout, 0);

        var order = DrainBackground(planner, batch: 256);

        Assert.Equal(layout.MemoryBytes >> 12, (ulong)order.Count);
        Assert.All(order.Take(1024), gfn => Assert.InRange(gfn, 4 * gib >> 12, (4 * gib >> 12) + 1023));
        Assert.DoesNotContain(order, gfn => !layout.IsBacked(gfn));
        Assert.Equal((gib >> 12) + 1024, planner.GetStatistics().HoleFrames);
        Assert.Equal(FaultDisposition.NotBacked, planner.OnDemandFault(lowFrames + 7));
    }

    [Fact]
    public void A_clean_free_frame_can_be_zero_filled_on_demand_and_is_then_never_sent()
    {
        var map = new PageClassMap(new MapEpoch(), 4096, [new ClassRun(0, 8, PageClass.Kernel), new ClassRun(8, 8, PageClass.Free)]);
        var log = new DirtyBitmap(16, trackingStartedAt: 1);
        log.MarkDirty(9);
        log.Seal(10);
        var planner = new TransferPlanner(map, Flat(16), mapRequestedAt: 5, log);

        Assert.True(planner.TryTakeZeroFill(12));
        Assert.False(planner.TryTakeZeroFill(12));
        Assert.False(planner.TryTakeZeroFill(9));
        Assert.False(planner.TryTakeZeroFill(3));
        var order = DrainBackground(planner);
        var zero = new ulong[16];
        var zeroCount = planner.TakeZeroFill(zero);

        Assert.Equal(Range(0, 8).Append(9UL), order);
        Assert.Equal(new ulong[] { 8, 10, 11, 13, 14, 15 }, zero[..zeroCount]);
        Assert.True(planner.IsComplete);
        Assert.Equal(7UL, planner.GetStatistics().ZeroFilledFrames);
    }

    [Fact]
    public void A_fault_on_a_pending_free_frame_is_served_with_its_contents()
    {
        var map = new PageClassMap(new MapEpoch(), 4096, [new ClassRun(0, 16, PageClass.Free)]);
        var log = new DirtyBitmap(16, trackingStartedAt: 1);
        log.Seal(10);
        var planner = new TransferPlanner(map, Flat(16), mapRequestedAt: 5, log);

        Assert.Equal(FaultDisposition.SendNow, planner.OnDemandFault(4));
        Assert.Equal(FaultDisposition.AlreadyHandled, planner.OnDemandFault(4));
        Assert.Equal(0, planner.NextBatch(new ulong[16]));
        Assert.Equal(15, planner.TakeZeroFill(new ulong[16]));
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        var map = new PageClassMap(new MapEpoch(), 2 << 20, [new ClassRun(0, 4, PageClass.Kernel)]);

        Assert.Equal(
            "the class map uses 2097152-byte pages, the layout 4096-byte pages",
            Assert.Throws<ClassMapMismatchException>(() => new TransferPlanner(map, Flat(4), 0)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new TransferPlanner(OwnerMap(), Flat(4), 0, options: new TransferPlannerOptions { PivotStep = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TransferPlanner(OwnerMap(), Flat(4), 0, options: new TransferPlannerOptions { MaxPivots = -1 }));
    }

    [Fact]
    public void Without_pivots_a_fault_only_takes_its_frame()
    {
        var map = new PageClassMap(new MapEpoch(), 4096, [new ClassRun(0, 100, PageClass.Cache)]);
        var planner = new TransferPlanner(map, Flat(100), 0, options: new TransferPlannerOptions { MaxPivots = 0 });

        Assert.Equal(FaultDisposition.SendNow, planner.OnDemandFault(50));
        var order = DrainBackground(planner);

        Assert.Equal(Range(0, 50).Concat(Range(51, 49)), order);
    }

    private static PageClassMap OwnerMap()
    {
        var builder = new PageClassMapBuilder(withHeat: true, withOwners: true);
        builder.Append(10, PageClass.Hot, heat: 10, owner: 0);
        builder.Append(10, PageClass.Hot, heat: 200, owner: 1);
        builder.Append(10, PageClass.Hot, heat: 10, owner: 2);
        builder.Append(10, PageClass.Cache, heat: 0, owner: 2);
        builder.Append(10, PageClass.Kernel);
        builder.Append(10, PageClass.Free);
        return builder.Build(new MapEpoch(), 4096, Owners);
    }

    private static GuestMemoryLayout Flat(ulong frames) => new([new MemoryRegion(0, frames << 12, 0)]);

    private static IEnumerable<ulong> Range(int start, int count) => Enumerable.Range(start, count).Select(i => (ulong)i);

    private static List<ulong> DrainBackground(TransferPlanner planner, int batch = 7)
    {
        var order = new List<ulong>();
        var buffer = new ulong[batch];
        int n;
        while ((n = planner.NextBatch(buffer)) > 0)
        {
            order.AddRange(buffer[..n]);
        }
        return order;
    }
}
