using System.Reactive.Linq;
using System.Runtime.InteropServices;
using GuestAssist.Agent.Serving;
using GuestAssist.Guest.ProcFs;
using GuestAssist.Host.Agent;
using GuestAssist.Host.DirtyLog;
using GuestAssist.Host.Layout;
using GuestAssist.IntegrationTests.AgentProtocol.Support;
using GuestAssist.Linux.Memory;
using GuestAssist.Protocol.V1;

namespace GuestAssist.IntegrationTests.AgentProtocol;

/// <summary>
/// The host's dirty log on a timer: a real uffd write tracker over memory of this process whose "guest physical"
/// addresses are its real frames (GFN = PFN, as inside a guest), fed to a real agent that attributes each window
/// to the process that wrote it.
/// </summary>
public sealed class DirtyFramesFeedTests : IDisposable
{
    private const int Pages = 16;
    private const ulong Page = 4096;

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [KPageFlagsFact]
    public async Task Each_window_of_the_hosts_dirty_log_comes_back_attributed_to_the_writer()
    {
        using var memory = MappedMemory.Anonymous(Pages * Page);
        memory.AsSpan(0, (int)(Pages * Page)).Fill(1);
        var layout = new GuestMemoryLayout(FramesOf(memory).Select((pfn, i) => new MemoryRegion(pfn * Page, Page, (ulong)i * Page, memory.Address64 + ((ulong)i * Page))).OrderBy(r => r.GuestPhysicalAddress));
        using var tracker = UffdWriteTracker.ForCurrentProcess(layout);
        await using var agent = await RunningAgent.StartOnUnixAsync(_directory, ScannerMemoryMapSource.Create(ProcFsPaths.Live, TimeSpan.Zero), o => o with { ThrottleJournal = _directory.PathOf("throttle.journal") });
        await using var client = await agent.ConnectAsync(new AgentClientOptions { RequestTimeout = TimeSpan.FromSeconds(60) });
        var session = (await client.BeginEvictionAsync(new BeginEviction { Mode = EvictionMode.PostCopy })).SessionId;

        using var writing = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            while (!writing.IsCancellationRequested)
            {
                memory.AsSpan(0, (int)(Pages * Page)).Fill(2); // every page, every few milliseconds
                await Task.Delay(5);
            }
        });
        DirtyAttribution attributed;
        long sent;
        await using (var feed = DirtyFramesFeed.Start(client, session, tracker, TimeSpan.FromMilliseconds(300)))
        {
            // The first window builds the agent's owner index (a walk of every process); the second is steady.
            attributed = await feed.Attributions.Where(a => a.Processes.Any(p => p.Pid == Environment.ProcessId)).Skip(1).FirstAsync().Timeout(TimeSpan.FromSeconds(90));
            sent = feed.WindowsSent;
        }
        await writing.CancelAsync();
        await writer;

        var us = Assert.Single(attributed.Processes, p => p.Pid == Environment.ProcessId);
        Assert.True(sent >= 2, $"{sent} windows sent");
        // 16 pages rewritten in every window: the agent sees all of them as this process's.
        Assert.Equal((ulong)Pages, us.DirtyFrames);
        Assert.Equal("host dirty log", us.Method);
    }

    [Fact]
    public async Task Windows_under_the_hold_back_rate_stay_with_the_host_until_two_in_a_row_are_not_and_every_later_one_goes()
    {
        await using var agent = await RunningAgent.StartOnUnixAsync(_directory, ScannerMemoryMapSource.Create(ProcFsPaths.Live, TimeSpan.Zero), o => o with { ThrottleJournal = _directory.PathOf("throttle.journal") });
        await using var client = await agent.ConnectAsync(new AgentClientOptions { RequestTimeout = TimeSpan.FromSeconds(60) });
        var session = (await client.BeginEvictionAsync(new BeginEviction { Mode = EvictionMode.PostCopy })).SessionId;
        var calls = 0;
        // Call 0 opens the first window; 100 ms windows against a hold-back of 100,000 frames/s (10,000 a window).
        // Call 2 is a burst (15,000 frames, 150,000/s), calls 4 and 5 a sustained rate.
        IReadOnlyList<(ulong FirstGfn, ulong Count)> Window() => (Interlocked.Increment(ref calls) - 1) switch
        {
            2 => [(0x1000, 15_000)],
            4 or 5 => [(0x1000, 1_000_000)],
            _ => [(0x1000, 1)],
        };

        var policies = 0;
        long held, sent;
        await using (var feed = DirtyFramesFeed.Start(client, session, Window, TimeSpan.FromMilliseconds(100), holdBelowFramesPerSecond: 100_000, beforeFirstWindow: _ => { Interlocked.Increment(ref policies); return Task.CompletedTask; }))
        {
            await feed.Attributions.Take(3).ToList().Timeout(TimeSpan.FromSeconds(60));
            (held, sent) = (feed.WindowsHeld, feed.WindowsSent);
        }

        // Calls 1-4 held: the burst and the first sustained window are each alone at the rate. The policy runs once,
        // before call 5's window, and every window after it goes.
        Assert.Equal(1, policies);
        Assert.True(sent >= 3, $"{sent} windows sent");
        Assert.Equal(4, held);
    }

    [Fact]
    public async Task A_sampled_estimate_judges_the_held_windows_and_the_first_whole_window_starts_when_the_hold_ends()
    {
        await using var agent = await RunningAgent.StartOnUnixAsync(_directory, ScannerMemoryMapSource.Create(ProcFsPaths.Live, TimeSpan.Zero), o => o with { ThrottleJournal = _directory.PathOf("throttle.journal") });
        await using var client = await agent.ConnectAsync(new AgentClientOptions { RequestTimeout = TimeSpan.FromSeconds(60) });
        var session = (await client.BeginEvictionAsync(new BeginEviction { Mode = EvictionMode.PostCopy })).SessionId;
        var estimates = 0;
        var windows = 0;
        // Estimate 0 opens the first sample; 2 is a burst, 4 and 5 a sustained rate (100 ms windows, 100,000 frames/s).
        double Estimate() => (Interlocked.Increment(ref estimates) - 1) switch
        {
            2 => 15_000,
            4 or 5 => 1_000_000,
            _ => 1,
        };
        IReadOnlyList<(ulong FirstGfn, ulong Count)> Window()
        {
            Interlocked.Increment(ref windows);
            return [(0x1000, 1)];
        }

        int windowsAtFirstSend;
        long held;
        await using (var feed = DirtyFramesFeed.Start(client, session, Window, TimeSpan.FromMilliseconds(100), holdBelowFramesPerSecond: 100_000, estimateWhileHeld: Estimate))
        {
            await feed.Attributions.FirstAsync().Timeout(TimeSpan.FromSeconds(60));
            windowsAtFirstSend = Volatile.Read(ref windows);
            held = feed.WindowsHeld;
        }

        Assert.Equal(4, held);
        // The whole log was never asked for while held; at the hold's end one call opens the first window, the next is sent.
        Assert.Equal(6, Volatile.Read(ref estimates));
        Assert.InRange(windowsAtFirstSend, 2, 3);
    }

    private static ulong[] FramesOf(MappedMemory memory)
    {
        var entries = new ulong[Pages];
        using var pagemap = File.OpenHandle("/proc/self/pagemap");
        RandomAccess.Read(pagemap, MemoryMarshal.AsBytes(entries.AsSpan()), (long)(memory.Address64 / Page * 8));
        return [.. entries.Select(e => e & ((1UL << 55) - 1))];
    }
}
