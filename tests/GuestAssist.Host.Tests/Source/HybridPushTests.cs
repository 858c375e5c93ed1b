using System.Net.Sockets;
using GuestAssist.Host.DirtyLog;
using GuestAssist.Host.Destination;
using GuestAssist.Host.Layout;
using GuestAssist.Host.Source;
using GuestAssist.Host.Tests.Destination;
using GuestAssist.Host.Transfer;
using GuestAssist.Linux.Tests.Userfaultfd;

namespace GuestAssist.Host.Tests.Source;

/// <summary>
/// The hybrid push over real facilities: a memfd VM written through its tracked mapping (uffd WP_ASYNC + PAGEMAP_SCAN),
/// a page server reading it while it runs, a destination that stages the push until the switchover mark.
/// </summary>
public sealed class HybridPushTests : IDisposable
{
    private const ulong Page = 4096;
    private static readonly GuestMemoryLayout Layout = new([new MemoryRegion(0, 256 * Page, 0), new MemoryRegion(512 * Page, 128 * Page, 256 * Page)]);
    private static readonly ulong[] HotSet = [.. Enumerable.Range(0, 96).Select(i => (ulong)i), .. Enumerable.Range(520, 40).Select(i => (ulong)i)];

    private readonly GuestMemoryFile _vm = new(Layout);
    private readonly string _socket = Path.Combine(Path.GetTempPath(), $"guestassist-hybrid-{Guid.NewGuid():N}.sock");

    public void Dispose()
    {
        _vm.Dispose();
        File.Delete(_socket);
    }

    [UffdFact]
    public void Pages_written_after_the_push_are_sent_again_and_the_destination_ends_with_the_switchover_contents()
    {
        using var tracker = UffdWriteTracker.ForCurrentProcess(_vm.Layout);
        tracker.Mark();
        using var live = new MappedFilePageSource(_vm.Path, Layout);
        using var server = PageServer.BeforeSwitchover(live, Layout, HotSet, new PageServerOptions { BatchPages = 16 });
        server.Listen(new UnixDomainSocketEndPoint(_socket));
        var sink = new MemoryPageSink(Layout);
        using var client = new PostCopyClient(server.LocalEndPoint!, Layout, sink);
        client.Start();
        Assert.True(server.PushDone.WaitOne(TimeSpan.FromSeconds(10)), "the hot set should be pushed while the VM runs");

        // The guest runs on: it rewrites some pushed frames and some others, and asks for a page (which must wait).
        ulong[] rewrittenPushed = [3, 4, 95, 530];
        ulong[] writtenElsewhere = [200, 600];
        foreach (var gfn in rewrittenPushed.Concat(writtenElsewhere))
        {
            NativeAccess.Fill(_vm.Layout.HostAddressOf(gfn) + 100, 0x5A, 64);
        }
        client.RequestUrgent(300);
        Assert.False(client.WaitForSwitchover(TimeSpan.FromMilliseconds(300)), "no switchover mark before the VM stops");
        Assert.Equal(0, client.Held.Count);

        // Switchover: the VM stops, the log is sealed, the memory as it is now is served.
        tracker.Seal();
        var final = _vm.Contents();
        using var paused = new MappedFilePageSource(_vm.Path, Layout);
        server.Switchover(paused, bitmap => new AddressOrderSchedule(Layout, bitmap), tracker.WrittenSinceMark);

        Assert.True(client.WaitForSwitchover(TimeSpan.FromSeconds(10)));
        Assert.True(client.WaitForCompletion(TimeSpan.FromSeconds(30)));
        Assert.True(final.AsSpan().SequenceEqual(sink.File), "every page as it was at switchover");
        var statistics = server.Counters.Snapshot();
        Assert.Equal(HotSet.Length, statistics.PushedBeforeSwitchover);
        Assert.Equal(rewrittenPushed.Length, statistics.ResentAtSwitchover);
        Assert.Equal(1, statistics.UrgentRequests);
        for (ulong gfn = 0; gfn < Layout.TotalFrames; gfn++)
        {
            Assert.True(!Layout.IsBacked(gfn) || sink.InstallsOf(gfn) == 1, $"frame {gfn} installed {sink.InstallsOf(gfn)} times");
        }
    }

    [UffdFact]
    public void A_destination_cut_during_the_push_gets_it_again_and_ends_complete()
    {
        using var tracker = UffdWriteTracker.ForCurrentProcess(_vm.Layout);
        tracker.Mark();
        using var live = new MappedFilePageSource(_vm.Path, Layout);
        using var server = PageServer.BeforeSwitchover(live, Layout, HotSet, new PageServerOptions { BatchPages = 8 });
        server.Listen(new UnixDomainSocketEndPoint(_socket));
        var sink = new MemoryPageSink(Layout);
        using var client = new PostCopyClient(server.LocalEndPoint!, Layout, sink, new PostCopyClientOptions { Cuts = [new ConnectionCut(ChannelKind.Background, 40)] });
        client.Start();
        Assert.True(server.PushDone.WaitOne(TimeSpan.FromSeconds(10)));
        NativeAccess.Fill(_vm.Layout.HostAddressOf(10), 0x77, Page);

        tracker.Seal();
        var final = _vm.Contents();
        using var paused = new MappedFilePageSource(_vm.Path, Layout);
        server.Switchover(paused, bitmap => new AddressOrderSchedule(Layout, bitmap), tracker.WrittenSinceMark);

        Assert.True(client.WaitForCompletion(TimeSpan.FromSeconds(30)));
        Assert.True(final.AsSpan().SequenceEqual(sink.File));
        Assert.Equal(1, client.Statistics().BackgroundReconnects);
        Assert.True(server.Counters.Snapshot().PushedBeforeSwitchover > HotSet.Length, "the cut connection's push starts over");
    }
}
