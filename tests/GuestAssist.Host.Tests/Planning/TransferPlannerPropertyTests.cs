using GuestAssist.Host.DirtyLog;
using GuestAssist.Host.Layout;
using GuestAssist.Host.Planning;
using GuestAssist.Protocol.PageMaps;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Host.Tests.Planning;

/// <summary>Seeded random maps, layouts, dirty logs and fault sequences; each seed is a reproducible case.</summary>
public class TransferPlannerPropertyTests
{
    private const int Seeds = 120;

    [Fact]
    public void Every_frame_is_handed_out_exactly_once_and_never_a_hole_or_a_dirty_free_frame_skipped()
    {
        for (var seed = 0; seed < Seeds; seed++)
        {
            var rng = new Random(seed);
            var logMode = seed % 4;
            var scenario = RandomScenario.Create(rng, logMode);
            var received = rng.Next(3) == 0 ? RandomBitmap(rng, scenario.Frames + 100, 5) : null;
            var options = new TransferPlannerOptions
            {
                MaxPivots = rng.Next(0, 6),
                PivotStep = rng.Next(1, 20),
                PivotRadius = rng.Next(1, 300),
                OwnerPriorityMode = (OwnerPriorityMode)rng.Next(3),
                PriorityOwners = [OwnerSelector.ByCgroup("nginx.service"), OwnerSelector.ByPid(300)],
            };
            IDirtyLog? log = seed % 8 >= 4 && scenario.Log is not null ? new OpaqueDirtyLog(scenario.Log) : scenario.Log;
            var planner = new TransferPlanner(scenario.Map, scenario.Layout, RandomScenario.MapRequestedAt, log, options, received);
            var driver = new PlannerDriver(planner, scenario.Frames) { WasReceived = gfn => IsSet(received, gfn) };

            for (var step = 0; step < 400; step++)
            {
                var gfn = (ulong)rng.Next(0, (int)scenario.Frames + 100);
                switch (rng.Next(10))
                {
                    case < 6:
                        driver.Batch(rng.Next(1, 257));
                        break;
                    case 6:
                        var disposition = driver.Fault(gfn);
                        Assert.Equal(scenario.Layout.IsBacked(gfn), disposition != FaultDisposition.NotBacked);
                        break;
                    case 7:
                        driver.ZeroFill(rng.Next(1, 257));
                        break;
                    case 8:
                        driver.MarkReceived(gfn);
                        break;
                    default:
                        driver.TakeUrgent(gfn);
                        break;
                }
            }
            driver.Drain();

            var skipping = logMode == 1;
            Assert.Equal(skipping, planner.GetStatistics().SkippingEnabled);
            for (var gfn = 0UL; gfn < (ulong)driver.HandedOut.Length; gfn++)
            {
                var how = driver.HandedOut[gfn];
                var context = $"seed {seed}, GFN {gfn}, handed out as {how}";
                if (!scenario.Layout.IsBacked(gfn) || IsSet(received, gfn))
                {
                    Assert.True(how == 0, context);
                    continue;
                }
                Assert.True(how != 0, context + ": never handed out");
                if (how == PlannerDriver.ZeroFilled)
                {
                    Assert.True(skipping, context);
                    Assert.True(scenario.IsSkipCandidate(gfn), context);
                    Assert.False(scenario.IsDirty(gfn), context);
                }
            }
            Assert.True(planner.IsComplete, $"seed {seed}");
            Assert.Equal(0UL, planner.GetStatistics().PendingFrames);
        }
    }

    [Fact]
    public void Without_a_covering_sealed_log_nothing_is_skipped_and_the_status_says_why()
    {
        var cases = new (int LogMode, string State)[]
        {
            (0, "skipping disabled: no dirty log"),
            (2, "skipping disabled: dirty log not sealed"),
            (3, "skipping disabled: dirty log started after the map"),
        };
        for (var seed = 0; seed < 30; seed++)
        {
            foreach (var (logMode, state) in cases)
            {
                var scenario = RandomScenario.Create(new Random(seed), logMode);
                var planner = new TransferPlanner(scenario.Map, scenario.Layout, RandomScenario.MapRequestedAt, scenario.Log);
                var driver = new PlannerDriver(planner, scenario.Frames);

                Assert.Equal(state, planner.SkippingState);
                Assert.Equal(state, planner.GetStatistics().SkippingState);
                Assert.Equal(0, driver.ZeroFill(256));
                driver.Drain();

                Assert.DoesNotContain(PlannerDriver.ZeroFilled, driver.HandedOut);
                Assert.Equal(0UL, planner.GetStatistics().TotalToSkip);
                AssertRanksNonDecreasing(scenario, driver.Order, $"seed {seed}, log mode {logMode}");
                Assert.Equal(scenario.Layout.MemoryBytes >> 12, (ulong)driver.Order.Count);
            }
        }
    }

    [Fact]
    public void A_log_sealed_before_the_map_was_requested_does_not_cover_it()
    {
        var scenario = RandomScenario.Create(new Random(7), logMode: 0);
        var log = new DirtyBitmap(scenario.Frames, trackingStartedAt: 10);
        log.Seal(RandomScenario.MapRequestedAt - 1);

        var planner = new TransferPlanner(scenario.Map, scenario.Layout, RandomScenario.MapRequestedAt, log);

        Assert.Equal("skipping disabled: dirty log sealed before the map", planner.SkippingState);
        Assert.False(planner.TryTakeZeroFill(FirstCandidate(scenario)));
    }

    [Fact]
    public void A_free_frame_dirtied_after_the_epoch_is_never_skipped_even_when_planning_started_before_the_seal()
    {
        for (var seed = 0; seed < Seeds; seed++)
        {
            var rng = new Random(seed);
            var scenario = RandomScenario.Create(rng, logMode: 2);
            var log = scenario.Log!;
            var planner = new TransferPlanner(scenario.Map, scenario.Layout, RandomScenario.MapRequestedAt, seed % 2 == 0 ? log : new OpaqueDirtyLog(log));
            var driver = new PlannerDriver(planner, scenario.Frames);

            // The guest still runs: part of the stream goes out, faults happen, free frames get written.
            for (var i = 0; i < 5; i++)
            {
                driver.Batch(rng.Next(1, 200));
                driver.Fault((ulong)rng.Next(0, (int)scenario.Frames));
            }
            var dirtiedLate = new List<ulong>();
            for (var gfn = 0UL; gfn < log.TotalFrames; gfn++)
            {
                if (scenario.IsSkipCandidate(gfn) && rng.Next(5) == 0)
                {
                    log.MarkDirty(gfn);
                    dirtiedLate.Add(gfn);
                }
            }
            Assert.Equal(SkippingStates.NotSealed, planner.SkippingState);
            log.Seal(RandomScenario.MapRequestedAt + 10);
            Assert.Equal(SkippingStates.Enabled, planner.SkippingState);

            // The destination asks for everything it may zero-fill before the stream reaches the free phase.
            while (driver.ZeroFill(rng.Next(1, 256)) > 0)
            {
            }
            driver.Drain();

            foreach (var gfn in dirtiedLate)
            {
                var how = driver.HandedOut[gfn];
                Assert.True(how != PlannerDriver.ZeroFilled, $"seed {seed}: GFN {gfn} was dirtied after the epoch but skipped");
                Assert.True(how != 0 || !scenario.Layout.IsBacked(gfn), $"seed {seed}: dirtied GFN {gfn} never sent");
            }
            var skipped = driver.HandedOut.Count(h => h == PlannerDriver.ZeroFilled);
            Assert.Equal((ulong)skipped, planner.GetStatistics().ZeroFilledFrames);
        }
    }

    [Fact]
    public void Absent_faults_classes_go_in_order_and_hotter_runs_first_within_a_class()
    {
        for (var seed = 0; seed < 40; seed++)
        {
            var scenario = RandomScenario.Create(new Random(seed), logMode: 1, withOwners: false);
            var planner = new TransferPlanner(scenario.Map, scenario.Layout, RandomScenario.MapRequestedAt, scenario.Log);
            var driver = new PlannerDriver(planner, scenario.Frames);

            driver.Drain();

            AssertRanksNonDecreasing(scenario, driver.Order, $"seed {seed}");
            var lastKernel = driver.Order.FindLastIndex(g => scenario.RankOf(g) == 1);
            var firstCache = driver.Order.FindIndex(g => scenario.RankOf(g) == 5);
            Assert.True(firstCache < 0 || lastKernel < firstCache, $"seed {seed}");
            for (var i = 1; i < driver.Order.Count; i++)
            {
                var previous = driver.Order[i - 1];
                var current = driver.Order[i];
                if (scenario.RankOf(previous) == scenario.RankOf(current) && scenario.RankOf(current) < 6)
                {
                    Assert.True(HeatOf(scenario, previous) >= HeatOf(scenario, current), $"seed {seed}: GFN {current} hotter than {previous} but later");
                }
            }
        }
    }

    [Fact]
    public void A_fault_is_followed_by_its_neighbours_growing_outward_in_both_directions()
    {
        for (var seed = 0; seed < Seeds; seed++)
        {
            var rng = new Random(seed);
            var scenario = RandomScenario.Create(rng, logMode: 0);
            const int step = 4;
            const int radius = 64;
            var options = new TransferPlannerOptions { MaxPivots = 4, PivotStep = step, PivotRadius = radius, PrePageWithinClassOrder = false };
            var planner = new TransferPlanner(scenario.Map, scenario.Layout, RandomScenario.MapRequestedAt, options: options);
            var driver = new PlannerDriver(planner, scenario.Frames);
            driver.Batch(rng.Next(0, 256));
            var fault = (ulong)rng.Next(0, (int)scenario.Frames);
            var pendingBefore = driver.HandedOut.Select(h => h == 0).ToArray();

            var disposition = driver.Fault(fault);
            if (disposition == FaultDisposition.NotBacked)
            {
                continue;
            }
            var order = driver.Order.Count;
            driver.Batch(256);

            var up = new List<ulong>();
            var down = new List<ulong>();
            for (var d = 1UL; d <= radius; d++)
            {
                if (scenario.Layout.IsBacked(fault + d) && driver.HandedOut[fault + d] == PlannerDriver.Sent && driver.Order.IndexOf(fault + d) >= order)
                {
                    up.Add(fault + d);
                }
                if (d <= fault && scenario.Layout.IsBacked(fault - d) && driver.HandedOut[fault - d] == PlannerDriver.Sent && driver.Order.IndexOf(fault - d) >= order)
                {
                    down.Add(fault - d);
                }
            }
            var expected = InSteps(up, down, step);
            var actual = driver.Order.Skip(order).Take(expected.Count).ToList();
            Assert.True(expected.SequenceEqual(actual), $"seed {seed}, fault {fault} ({disposition}): expected {string.Join(',', expected.Take(12))}, got {string.Join(',', actual.Take(12))}");
            if (scenario.Layout.IsBacked(fault + 1) && pendingBefore[fault + 1])
            {
                Assert.Equal(fault + 1, driver.Order[order]);
            }
        }
    }

    [Fact]
    public void Several_pivots_are_served_newest_first()
    {
        var options = new TransferPlannerOptions { MaxPivots = 4, PivotStep = 2, PivotRadius = 1000 };
        var layout = new GuestMemoryLayout([new MemoryRegion(0, 10_000UL << 12, 0)]);
        var map = new PageClassMap(new MapEpoch(), 4096, [new ClassRun(0, 10_000, PageClass.Cache)]);
        var planner = new TransferPlanner(map, layout, 0, options: options);
        var driver = new PlannerDriver(planner, layout.TotalFrames);

        driver.Fault(1000);
        driver.Fault(5000);
        driver.Batch(16);

        Assert.Equal([5001UL, 5002, 4998, 4999, 1001, 1002, 998, 999, 5003, 5004, 4996, 4997, 1003, 1004, 996, 997], driver.Order);
    }

    [Fact]
    public void Pre_paging_around_a_hot_fault_sends_hot_neighbours_and_leaves_colder_ones_to_the_class_order()
    {
        // 0-99 kernel, then hot and inactive frames interleaved in runs of 10 (a scattered working set).
        var runs = new List<ClassRun> { new(0, 100, PageClass.Kernel) };
        for (var start = 100UL; start < 2000; start += 20)
        {
            runs.Add(new ClassRun(start, 10, PageClass.Hot));
            runs.Add(new ClassRun(start + 10, 10, PageClass.Inactive));
        }
        var layout = new GuestMemoryLayout([new MemoryRegion(0, 2000UL << 12, 0)]);
        var map = new PageClassMap(new MapEpoch(), 4096, [.. runs]);
        var options = new TransferPlannerOptions { MaxPivots = 1, PivotStep = 64, PivotRadius = 40 };

        var bounded = new PlannerDriver(new TransferPlanner(map, layout, 0, options: options), layout.TotalFrames);
        bounded.Fault(1005);
        bounded.Batch(40);
        var prePaged = bounded.Order.TakeWhile(g => g is >= 965 and <= 1045).ToList();
        Assert.NotEmpty(prePaged);
        Assert.All(prePaged, g => Assert.True((g - 100) % 20 < 10, $"frame {g} is inactive, pre-paged ahead of the hot class"));

        // A fault on a frame the map called inactive pre-pages every neighbour: the map was wrong about that place.
        var cold = new PlannerDriver(new TransferPlanner(map, layout, 0, options: options), layout.TotalFrames);
        cold.Fault(1015);
        cold.Batch(16);
        Assert.Contains(cold.Order, g => g is >= 1016 and <= 1019);
        Assert.Contains(cold.Order, g => g is >= 1020 and <= 1029);

        var unbounded = new PlannerDriver(new TransferPlanner(map, layout, 0, options: options with { PrePageWithinClassOrder = false }), layout.TotalFrames);
        unbounded.Fault(1005);
        unbounded.Batch(40);
        Assert.Contains(unbounded.Order.Take(40), g => (g - 100) % 20 >= 10);
    }

    [Fact]
    public void A_fault_that_continues_a_walk_pre_pages_in_the_walks_direction_only()
    {
        var options = new TransferPlannerOptions { MaxPivots = 4, PivotStep = 4, PivotRadius = 100 };
        var layout = new GuestMemoryLayout([new MemoryRegion(0, 10_000UL << 12, 0)]);
        var map = new PageClassMap(new MapEpoch(), 4096, [new ClassRun(0, 10_000, PageClass.Cache)]);

        var ascending = new PlannerDriver(new TransferPlanner(map, layout, 0, options: options), layout.TotalFrames);
        ascending.Fault(1000);
        ascending.Fault(1050);
        ascending.Batch(8);
        Assert.Equal([1051UL, 1052, 1053, 1054, 1055, 1056, 1057, 1058], ascending.Order);

        var descending = new PlannerDriver(new TransferPlanner(map, layout, 0, options: options), layout.TotalFrames);
        descending.Fault(5000);
        descending.Fault(4990);
        descending.Batch(8);
        Assert.Equal([4986UL, 4987, 4988, 4989, 4982, 4983, 4984, 4985], descending.Order);

        // Beyond the radius a fault is a new, two-sided pivot, and the older one keeps its turn.
        var apart = new PlannerDriver(new TransferPlanner(map, layout, 0, options: options), layout.TotalFrames);
        apart.Fault(1000);
        apart.Fault(1200);
        apart.Batch(16);
        Assert.Equal([1201UL, 1202, 1203, 1204, 1196, 1197, 1198, 1199, 1001, 1002, 1003, 1004, 996, 997, 998, 999], apart.Order);
    }

    [Fact]
    public void A_planner_built_from_a_received_bitmap_never_emits_those_frames()
    {
        for (var seed = 0; seed < 60; seed++)
        {
            var rng = new Random(seed);
            var scenario = RandomScenario.Create(rng, logMode: seed % 2);
            var received = RandomBitmap(rng, scenario.Frames, rng.Next(1, 4));
            var planner = new TransferPlanner(scenario.Map, scenario.Layout, RandomScenario.MapRequestedAt, scenario.Log, alreadyReceived: received);
            var driver = new PlannerDriver(planner, scenario.Frames) { WasReceived = gfn => IsSet(received, gfn) };

            for (var i = 0; i < 20; i++)
            {
                driver.Fault((ulong)rng.Next(0, (int)scenario.Frames));
                driver.Batch(rng.Next(1, 100));
            }
            driver.Drain();

            ulong backedReceived = 0;
            for (var gfn = 0UL; gfn < scenario.Frames; gfn++)
            {
                var backed = scenario.Layout.IsBacked(gfn);
                if (IsSet(received, gfn))
                {
                    Assert.Equal(0, driver.HandedOut[gfn]);
                    backedReceived += backed ? 1UL : 0;
                }
                else
                {
                    Assert.Equal(backed, driver.HandedOut[gfn] != 0);
                }
            }
            Assert.Equal(backedReceived, planner.GetStatistics().AlreadyReceived);
        }
    }

    [Fact]
    public void Resume_after_a_lost_connection_resends_exactly_what_the_destination_lacks()
    {
        for (var seed = 0; seed < 60; seed++)
        {
            var rng = new Random(seed);
            var scenario = RandomScenario.Create(rng, logMode: seed % 2);
            var planner = new TransferPlanner(scenario.Map, scenario.Layout, RandomScenario.MapRequestedAt, scenario.Log);
            var first = new PlannerDriver(planner, scenario.Frames);
            for (var i = 0; i < 10; i++)
            {
                first.Fault((ulong)rng.Next(0, (int)scenario.Frames));
                first.Batch(rng.Next(1, 256));
                first.ZeroFill(rng.Next(1, 64));
            }
            // The connection drops: some handed-out frames never arrived.
            var received = new ulong[(scenario.Frames + 63) / 64];
            for (var gfn = 0UL; gfn < scenario.Frames; gfn++)
            {
                if (first.HandedOut[gfn] != 0 && rng.Next(4) != 0)
                {
                    received[gfn / 64] |= 1UL << (int)(gfn % 64);
                }
            }

            planner.ResumeFrom(received);
            var second = new PlannerDriver(planner, scenario.Frames);
            second.Drain();

            for (var gfn = 0UL; gfn < scenario.Frames; gfn++)
            {
                if (IsSet(received, gfn))
                {
                    Assert.True(second.HandedOut[gfn] == 0, $"seed {seed}: GFN {gfn} re-sent after resume");
                }
                else
                {
                    Assert.Equal(scenario.Layout.IsBacked(gfn), second.HandedOut[gfn] != 0);
                }
            }
        }
    }

    [Fact]
    public async Task Concurrent_background_and_urgent_callers_never_share_a_frame()
    {
        var scenario = RandomScenario.Create(new Random(99), logMode: 1);
        var planner = new TransferPlanner(scenario.Map, scenario.Layout, RandomScenario.MapRequestedAt, scenario.Log);
        var counts = new int[scenario.Frames];
        var background = Task.Run(() => DrainInto(planner, counts, batch: 64));
        var urgent = Task.Run(() =>
        {
            var rng = new Random(5);
            for (var i = 0; i < 20_000; i++)
            {
                var gfn = (ulong)rng.Next(0, (int)scenario.Frames);
                if (planner.OnDemandFault(gfn) == FaultDisposition.SendNow)
                {
                    Interlocked.Increment(ref counts[gfn]);
                }
            }
        });
        await Task.WhenAll(background, urgent);
        DrainInto(planner, counts, batch: 256);

        for (var gfn = 0UL; gfn < scenario.Frames; gfn++)
        {
            Assert.Equal(scenario.Layout.IsBacked(gfn) ? 1 : 0, counts[gfn]);
        }
    }

    private static void DrainInto(TransferPlanner planner, int[] counts, int batch)
    {
        var buffer = new ulong[batch];
        while (true)
        {
            var n = planner.NextBatch(buffer);
            if (n == 0)
            {
                n = planner.TakeZeroFill(buffer);
            }
            if (n == 0)
            {
                return;
            }
            foreach (var gfn in buffer.AsSpan(0, n))
            {
                Interlocked.Increment(ref counts[gfn]);
            }
        }
    }

    private static void AssertRanksNonDecreasing(RandomScenario scenario, List<ulong> order, string context)
    {
        for (var i = 1; i < order.Count; i++)
        {
            Assert.True(
                scenario.RankOf(order[i - 1]) <= scenario.RankOf(order[i]),
                $"{context}: GFN {order[i]} (rank {scenario.RankOf(order[i])}) after GFN {order[i - 1]} (rank {scenario.RankOf(order[i - 1])})");
        }
    }

    private static byte HeatOf(RandomScenario scenario, ulong gfn) =>
        gfn < scenario.Map.TotalFrames ? scenario.Map.RunHeat![scenario.Map.RunIndexOf(gfn)] : (byte)0;

    private static ulong FirstCandidate(RandomScenario scenario)
    {
        for (var gfn = 0UL; gfn < scenario.Frames; gfn++)
        {
            if (scenario.IsSkipCandidate(gfn) && scenario.Layout.IsBacked(gfn))
            {
                return gfn;
            }
        }
        return 0;
    }

    /// <summary>One pivot's order: per round, <paramref name="step"/> frames up, then <paramref name="step"/> frames down sent ascending.</summary>
    private static List<ulong> InSteps(List<ulong> up, List<ulong> down, int step)
    {
        var result = new List<ulong>();
        for (var i = 0; i < Math.Max(up.Count, down.Count); i += step)
        {
            result.AddRange(up.Skip(i).Take(step));
            result.AddRange(down.Skip(i).Take(step).Reverse());
        }
        return result;
    }

    private static ulong[] RandomBitmap(Random rng, ulong frames, int oneIn)
    {
        var words = new ulong[(frames + 63) / 64];
        for (var gfn = 0UL; gfn < frames; gfn++)
        {
            if (rng.Next(oneIn) == 0)
            {
                words[gfn / 64] |= 1UL << (int)(gfn % 64);
            }
        }
        return words;
    }

    private static bool IsSet(ulong[]? words, ulong gfn) =>
        words is not null && gfn / 64 < (ulong)words.Length && (words[gfn / 64] & (1UL << (int)(gfn % 64))) != 0;
}
