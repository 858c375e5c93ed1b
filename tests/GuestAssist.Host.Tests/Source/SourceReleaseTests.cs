using System.Net.Sockets;
using GuestAssist.Host.Destination;
using GuestAssist.Host.Layout;
using GuestAssist.Host.Source;
using GuestAssist.Host.Tests.Destination;
using GuestAssist.Host.Transfer;

namespace GuestAssist.Host.Tests.Source;

/// <summary>
/// The source gives its copy back page by page as the destination confirms pages installed: a memfd has its confirmed
/// pages punched out while the destination ends with every page, byte for byte, also across a cut and a resume.
/// </summary>
public sealed class SourceReleaseTests : IDisposable
{
    private const ulong Page = 4096;

    // Two regions with a hole between them, as a VM has around its MMIO gap.
    private static readonly GuestMemoryLayout Layout = new([new MemoryRegion(0, 512 * Page, 0), new MemoryRegion(1024 * Page, 256 * Page, 512 * Page)]);

    private readonly GuestMemoryFile _vm = new(Layout);
    private readonly string _socket = Path.Combine(Path.GetTempPath(), $"guestassist-release-{Guid.NewGuid():N}.sock");

    public void Dispose()
    {
        _vm.Dispose();
        File.Delete(_socket);
    }

    [Fact]
    public void Confirmed_pages_are_punched_out_of_the_memory_file_and_the_destination_has_every_one()
    {
        var expected = _vm.Contents();
        using var source = new MappedFilePageSource(_vm.Path, Layout, releasable: true);
        Assert.True(source.CanRelease);

        var (sink, statistics, server) = Transfer(source, releaseSource: true, cuts: []);
        using var lifetime = server;

        Assert.True(expected.AsSpan().SequenceEqual(sink.File));
        Assert.True(server.AllConfirmed);
        Assert.Equal(768, statistics.ConfirmedFrames);
        Assert.Equal((long)Layout.MemoryBytes, statistics.ReleasedBytes);
        Assert.Equal(0, _vm.DataBytes());
        Assert.True(_vm.Mapping.AsSpan(0, (int)Layout.FileBytes).IndexOfAnyExcept((byte)0) < 0, "released pages read as zeros");
    }

    [Fact]
    public void A_resumed_transfer_never_reads_a_released_page_again()
    {
        var expected = _vm.Contents();
        using var source = new ReleaseWatchingPageSource(new MappedFilePageSource(_vm.Path, Layout, releasable: true), Layout.TotalFrames);

        var (sink, statistics, server) = Transfer(source, releaseSource: true, cuts: [new ConnectionCut(ChannelKind.Background, 300), new ConnectionCut(ChannelKind.Background, 600)]);
        using var lifetime = server;

        Assert.True(expected.AsSpan().SequenceEqual(sink.File));
        Assert.True(statistics.Connections >= 3, $"{statistics.Connections} connections: the cuts should have forced reconnects");
        Assert.Equal(0, source.ReadsOfReleased);
        Assert.Equal((long)Layout.MemoryBytes, statistics.ReleasedBytes);
        for (ulong gfn = 0; gfn < Layout.TotalFrames; gfn++)
        {
            Assert.True(!Layout.IsBacked(gfn) || sink.InstallsOf(gfn) == 1, $"frame {gfn} installed {sink.InstallsOf(gfn)} times");
        }
    }

    [Fact]
    public void Without_release_the_confirmations_are_counted_and_the_memory_file_stays_whole()
    {
        var expected = _vm.Contents();
        using var source = new MappedFilePageSource(_vm.Path, Layout, releasable: true);

        var (sink, statistics, server) = Transfer(source, releaseSource: false, cuts: []);
        using var lifetime = server;

        Assert.True(expected.AsSpan().SequenceEqual(sink.File));
        Assert.True(server.AllConfirmed);
        Assert.Equal(0, statistics.ReleasedBytes);
        Assert.True(expected.AsSpan().SequenceEqual(_vm.Contents()));
    }

    [Fact]
    public void Urgent_requests_are_timed_from_arrival_to_the_page_written()
    {
        using var source = new MappedFilePageSource(_vm.Path, Layout);
        var sink = new MemoryPageSink(Layout);
        using var server = new PageServer(source, Layout, bitmap => new AddressOrderSchedule(Layout, bitmap), new PageServerOptions { Link = new TokenBucket(LinkRate.Parse("200mbit")) });
        server.Listen(new UnixDomainSocketEndPoint(_socket));
        using var client = new PostCopyClient(server.LocalEndPoint!, Layout, sink);
        client.Start();
        foreach (var gfn in new ulong[] { 700, 1100, 1200, 1279, 650, 1024 })
        {
            client.RequestUrgent(gfn);
        }
        Assert.True(client.WaitForCompletion(TimeSpan.FromSeconds(30)));

        var statistics = server.Counters.Snapshot();
        var wait = statistics.UrgentWait;
        Assert.Equal(statistics.UrgentRequests, wait.Count);
        Assert.InRange(wait.Count, 1, 6);
        Assert.True(wait.P50 <= wait.P90 && wait.P90 <= wait.P99 && wait.P99 <= wait.Max, wait.ToString());
        Assert.True(wait.Max > TimeSpan.Zero, wait.ToString());
    }

    private (MemoryPageSink Sink, PageServerStatistics Statistics, PageServer Server) Transfer(IPageSource source, bool releaseSource, IReadOnlyList<ConnectionCut> cuts)
    {
        var sink = new MemoryPageSink(Layout);
        var server = new PageServer(source, Layout, bitmap => new AddressOrderSchedule(Layout, bitmap), new PageServerOptions { ReleaseSource = releaseSource, BatchPages = 16 });
        server.Listen(new UnixDomainSocketEndPoint(_socket));
        using (var client = new PostCopyClient(server.LocalEndPoint!, Layout, sink, new PostCopyClientOptions { Cuts = cuts, ConfirmEveryFrames = 64 }))
        {
            client.Start();
            Assert.True(client.WaitForCompletion(TimeSpan.FromSeconds(30)));
            Assert.True(server.DestinationFinished.WaitOne(TimeSpan.FromSeconds(10)), "the destination should confirm everything and close");
        }
        return (sink, server.Counters.Snapshot(), server);
    }
}
