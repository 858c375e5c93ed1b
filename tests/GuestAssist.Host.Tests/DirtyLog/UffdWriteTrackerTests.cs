using GuestAssist.Host.DirtyLog;
using GuestAssist.Host.Layout;
using GuestAssist.Host.Tests.Support;
using GuestAssist.Host.Tests.Destination;
using GuestAssist.Linux.Memory;
using GuestAssist.Linux.Tests.Userfaultfd;

namespace GuestAssist.Host.Tests.DirtyLog;

public class UffdWriteTrackerTests
{
    private const ulong Page = 4096;

    [UffdFact]
    public void In_process_tracking_reports_exactly_the_written_frames()
    {
        using var region0 = MappedMemory.Anonymous(256 * Page);
        using var region1 = MappedMemory.Anonymous(64 * Page);
        region0.AsSpan(0, (int)(8 * Page)).Fill(1);
        var layout = new GuestMemoryLayout(
        [
            new MemoryRegion(0, region0.Length, 0, region0.Address64),
            new MemoryRegion(1024 * Page, region1.Length, region0.Length, region1.Address64),
        ]);
        using var tracker = UffdWriteTracker.ForCurrentProcess(layout);
        Assert.Null(tracker.SealedAt);
        NativeAccess.Fill(region0.Address64 + (3 * Page) + 17, 9, 1);
        NativeAccess.Fill(region0.Address64 + (100 * Page), 9, 5 * Page);
        NativeAccess.Fill(region1.Address64 + (63 * Page), 9, 1);
        _ = NativeAccess.ReadByte(region0.Address64 + (200 * Page));
        tracker.Collect();
        ulong[] expected = [3, 100, 101, 102, 103, 104, 1024 + 63];
        Assert.Equal(expected, Dirty(tracker));

        NativeAccess.Fill(region0.Address64 + (7 * Page), 9, 1);
        tracker.Seal();
        Assert.NotNull(tracker.SealedAt);
        Assert.Equal(expected.Append(7UL).Order(), Dirty(tracker));
        NativeAccess.Fill(region0.Address64 + (50 * Page), 9, 1);
        tracker.Collect();
        Assert.False(tracker.IsDirty(50));
    }

    [UffdFact]
    public void A_window_holds_what_was_written_since_the_last_collect_rewrites_included()
    {
        using var region = MappedMemory.Anonymous(64 * Page);
        region.AsSpan(0, (int)(64 * Page)).Fill(1);
        var layout = new GuestMemoryLayout([new MemoryRegion(0, region.Length, 0, region.Address64)]);
        using var tracker = UffdWriteTracker.ForCurrentProcess(layout);
        NativeAccess.Fill(region.Address64 + (2 * Page), 9, 3 * Page);
        Assert.Equal([(2UL, 3UL)], tracker.CollectWindow());
        Assert.Empty(tracker.CollectWindow());
        // A rogue rewriting the same pages shows in every window, not only the first.
        NativeAccess.Fill(region.Address64 + (3 * Page), 7, 1);
        Assert.Equal([(3UL, 1UL)], tracker.CollectWindow());
        Assert.Equal(3, tracker.DirtyCount); // the log itself counts each frame once
    }

    [UffdFact]
    public void A_child_process_that_hands_over_its_uffd_is_tracked_exactly()
    {
        using var child = new UffdChildProcess("dirty-child", pages: 512);
        var layout = new GuestMemoryLayout([new MemoryRegion(0, child.Length, 0, child.Address)]);
        using var tracker = UffdWriteTracker.ForProcess(child.ProcessId, child.Uffd, layout);
        tracker.Collect();
        Assert.Empty(Dirty(tracker));
        child.Write(0, 5, 6, 511);
        tracker.Collect();
        Assert.Equal([0UL, 5, 6, 511], Dirty(tracker));
        child.Write(5, 300);
        tracker.Seal();
        Assert.Equal([0UL, 5, 6, 300, 511], Dirty(tracker));
        Assert.Equal(5, tracker.DirtyCount);
    }

    [UffdFact]
    public void More_written_ranges_than_one_scan_buffer_holds_are_all_collected()
    {
        using var memory = MappedMemory.Anonymous(4096 * Page);
        var layout = new GuestMemoryLayout([new MemoryRegion(0, memory.Length, 0, memory.Address64)]);
        using var tracker = UffdWriteTracker.ForCurrentProcess(layout);
        for (var page = 0UL; page < 4096; page += 3)
        {
            NativeAccess.Fill(memory.Address64 + (page * Page), 1, 1);
        }
        tracker.Collect();
        Assert.Equal(Enumerable.Range(0, 4096).Where(p => p % 3 == 0).Select(p => (ulong)p), Dirty(tracker));
    }

    [UffdFact]
    public void Collecting_the_log_protects_nothing_again_so_a_later_window_still_holds_what_it_saw()
    {
        using var region = MappedMemory.Anonymous(64 * Page);
        region.AsSpan(0, (int)(64 * Page)).Fill(1);
        var layout = new GuestMemoryLayout([new MemoryRegion(0, region.Length, 0, region.Address64)]);
        using var tracker = UffdWriteTracker.ForCurrentProcess(layout);
        NativeAccess.Fill(region.Address64 + (9 * Page), 9, 1);
        tracker.Collect();
        Assert.True(tracker.IsDirty(9));
        // Page 9 is still writable: the window since the start holds it though nothing wrote it again.
        Assert.Equal([(9UL, 1UL)], tracker.CollectWindow());
        Assert.Empty(tracker.CollectWindow());
    }

    [UffdFact]
    public void A_sampled_window_estimates_rewrites_and_costs_a_fault_only_per_sampled_page()
    {
        const int Frames = 32768; // 128 MiB
        const int Rewritten = 16384;
        using var region = MappedMemory.Anonymous((ulong)Frames * Page);
        region.AsSpan(0, (int)((ulong)Frames * Page)).Fill(1);
        var layout = new GuestMemoryLayout([new MemoryRegion(0, region.Length, 0, region.Address64)]);
        using var tracker = UffdWriteTracker.ForCurrentProcess(layout);
        void WriteAll()
        {
            for (var page = 0UL; page < Rewritten; page++)
            {
                NativeAccess.Fill(region.Address64 + (page * Page), 1, 1);
            }
        }

        WriteAll();
        var first = tracker.SampleWindow();
        var faultsBefore = ThreadMinorFaults();
        WriteAll();
        var faults = ThreadMinorFaults() - faultsBefore;
        var second = tracker.SampleWindow();
        var quiet = tracker.SampleWindow();

        // ~256 of the rewritten pages are in the 1/64 sample: the estimate is within a few percent of 16,384.
        Assert.InRange(first, 0.8 * Rewritten, 1.2 * Rewritten);
        Assert.InRange(second, 0.8 * Rewritten, 1.2 * Rewritten);
        Assert.Equal(0, quiet);
        // Only the sampled pages were protected again: rewriting all 16,384 faulted ~256 times, not 16,384.
        Assert.InRange(faults, 1, Rewritten / 8);
        Assert.Equal(Rewritten, tracker.DirtyCount);
    }

    private static long ThreadMinorFaults()
    {
        var stat = File.ReadAllText("/proc/thread-self/stat");
        return long.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[7], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static ulong[] Dirty(UffdWriteTracker tracker) =>
        [.. Enumerable.Range(0, (int)tracker.TotalFrames).Select(i => (ulong)i).Where(tracker.IsDirty)];
}
