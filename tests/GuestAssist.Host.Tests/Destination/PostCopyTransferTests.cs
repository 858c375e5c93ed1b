using System.Net;
using System.Net.Sockets;
using GuestAssist.Host.Destination;
using GuestAssist.Host.Layout;
using GuestAssist.Host.Source;
using GuestAssist.Host.Transfer;

namespace GuestAssist.Host.Tests.Destination;

public class PostCopyTransferTests
{
    private const int PageSize = 4096;

    // 3 000 frames of RAM, a 96-frame hole, 1 000 more: two regions as in Firecracker's layout.
    private static readonly GuestMemoryLayout Layout = new(
        [new MemoryRegion(0, 3000UL * PageSize, 0), new MemoryRegion(3096UL * PageSize, 1000UL * PageSize, 3000UL * PageSize)]);

    [Fact]
    public void Every_page_arrives_once_with_faults_served_on_the_urgent_channel()
    {
        var file = Pattern(seed: 1);
        using var server = StartServer(file, out var endPoint);
        var sink = new MemoryPageSink(Layout);
        using var client = new PostCopyClient(endPoint, Layout, sink);
        var faults = new ulong[] { 3500, 2000, 2999, 3096, 4095 };
        var faulted = 0;
        sink.BeforeInstall = gfn =>
        {
            if (gfn == 101 && Interlocked.Exchange(ref faulted, 1) == 0)
            {
                foreach (var f in faults)
                {
                    client.RequestUrgent(f);
                }
            }
        };
        client.Start();
        Assert.True(client.WaitForCompletion(TimeSpan.FromSeconds(20)));
        AssertSameMemory(file, sink);
        var stats = client.Statistics();
        Assert.Equal(0, stats.DoubleInstalls);
        Assert.Equal(faults.Length, stats.UrgentRequestsSent);
        Assert.True(server.Counters.Snapshot().UrgentRequests == faults.Length);
        Assert.True(stats.ZeroPagesFilled > 0, "zero pages travel as zero runs");
        Assert.True(server.Counters.Snapshot().ZeroPages > 0);
    }

    [Theory]
    [InlineData(11)]
    [InlineData(22)]
    [InlineData(33)]
    public void Injected_cuts_on_both_channels_resume_without_loss_or_double_install(int seed)
    {
        var random = new Random(seed);
        var file = Pattern(seed);
        using var server = StartServer(file, out var endPoint);
        var sink = new MemoryPageSink(Layout);
        var cuts = Enumerable.Range(0, 6)
            .Select(i => new ConnectionCut(i % 2 == 0 ? ChannelKind.Background : ChannelKind.Urgent, random.Next(1, 3900)))
            .ToList();
        using var client = new PostCopyClient(endPoint, Layout, sink, new PostCopyClientOptions { Cuts = cuts });
        var faultAt = random.Next(1, 3000);
        sink.BeforeInstall = gfn =>
        {
            if (gfn % 97 == (ulong)faultAt % 97)
            {
                client.RequestUrgent((gfn * 7919) % 3000);
            }
        };
        client.Start();
        Assert.True(client.WaitForCompletion(TimeSpan.FromSeconds(20)));
        AssertSameMemory(file, sink);
        var stats = client.Statistics();
        Assert.Equal(0, stats.DoubleInstalls);
        Assert.True(stats.CutsInjected > 0);
        Assert.True(stats.UrgentReconnects + stats.BackgroundReconnects > 0);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    public void Random_network_cuts_anywhere_in_the_byte_stream_resume_to_an_identical_memory(int seed)
    {
        var file = Pattern(seed);
        using var server = StartServer(file, out var endPoint);
        using var proxy = new CuttingProxy(endPoint, seed, cuts: 8, maxBytesBeforeCut: 4_000_000);
        var sink = new MemoryPageSink(Layout);
        var options = new PostCopyClientOptions { Recovery = new RecoveryOptions(TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(50)) };
        using var client = new PostCopyClient(proxy.EndPoint, Layout, sink, options);
        sink.BeforeInstall = gfn =>
        {
            if (gfn % 211 == 0)
            {
                client.RequestUrgent(4095 - (gfn % 1000));
            }
        };
        client.Start();
        Assert.True(client.WaitForCompletion(TimeSpan.FromSeconds(30)));
        AssertSameMemory(file, sink);
        Assert.Equal(0, client.Statistics().DoubleInstalls);
        Assert.True(proxy.CutsMade > 0);
    }

    [Fact]
    public void A_wrong_session_fails_at_once_with_the_reason()
    {
        var file = Pattern(3);
        using var server = StartServer(file, out var endPoint, Guid.NewGuid());
        var options = new PostCopyClientOptions
        {
            SessionId = Guid.NewGuid(),
        };
        using var client = new PostCopyClient(endPoint, Layout, new MemoryPageSink(Layout), options);
        var error = Assert.Throws<TransferOutageException>(client.Start);
        Assert.Equal("page server refused the Urgent channel: it serves another migration session", error.Message);
    }

    [Fact]
    public void Garbage_from_one_peer_does_not_stop_the_server_serving_the_next()
    {
        var file = Pattern(4);
        using var server = StartServer(file, out var endPoint);
        var failures = 0;
        server.ConnectionFailed += (_, _) => Interlocked.Increment(ref failures);
        using (var bad = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            bad.Connect(endPoint);
            bad.Send(new byte[ChannelHello.FixedSize + 10]);
            bad.Shutdown(SocketShutdown.Send);
            bad.Receive(new byte[16]);
        }
        var sink = new MemoryPageSink(Layout);
        using var client = new PostCopyClient(endPoint, Layout, sink);
        client.Start();
        Assert.True(client.WaitForCompletion(TimeSpan.FromSeconds(20)));
        AssertSameMemory(file, sink);
        Assert.Equal(1, failures);
    }

    [Fact]
    public void Skipped_frames_are_zero_filled_from_a_run_without_page_data()
    {
        var file = Pattern(8);
        using var server = new PageServer(new ArrayPageSource(file, Layout), Layout, bitmap => new SkippingSchedule(Layout, bitmap, skipBelow: 500));
        server.Listen(new IPEndPoint(IPAddress.Loopback, 0));
        var sink = new MemoryPageSink(Layout);
        Array.Fill(sink.File, (byte)0xEE);
        using var client = new PostCopyClient(server.LocalEndPoint!, Layout, sink);
        client.Start();
        Assert.True(client.WaitForCompletion(TimeSpan.FromSeconds(20)));
        Assert.Equal(500, client.Statistics().SkippedFramesFilled);
        Assert.Equal(500, server.Counters.Snapshot().SkippedFrames);
        Assert.True(sink.File.AsSpan(0, 500 * PageSize).IndexOfAnyExcept((byte)0) < 0);
        Assert.True(file.AsSpan(500 * PageSize).SequenceEqual(sink.File.AsSpan(500 * PageSize)));
    }

    [Fact]
    public void Skipped_frames_are_answered_locally_at_once_and_zero_filled_only_after_the_last_page()
    {
        var file = Pattern(9);
        using var server = new PageServer(new ArrayPageSource(file, Layout), Layout, bitmap => new SkippingSchedule(Layout, bitmap, skipBelow: 500), new PageServerOptions { BatchPages = 32 });
        server.Listen(new IPEndPoint(IPAddress.Loopback, 0));
        var sink = new MemoryPageSink(Layout);
        var markedBeforeFirstPage = -1;
        sink.BeforeInstall = _ =>
        {
            if (markedBeforeFirstPage < 0)
            {
                lock (sink.Skipped)
                {
                    markedBeforeFirstPage = sink.Skipped.Count;
                }
            }
        };
        using var client = new PostCopyClient(server.LocalEndPoint!, Layout, sink);
        client.Start();

        Assert.True(client.WaitForCompletion(TimeSpan.FromSeconds(20)));
        // The source sends its zero runs first; the destination marks them (a fault there is zeroed locally) before
        // any page lands, but installs the zero pages only once every page of the stream is in.
        Assert.Equal(500, markedBeforeFirstPage);
        Assert.Equal(sink.InstallCalls, sink.InstallCallsBeforeFirstZeroFill);
        Assert.Equal(500, client.Statistics().SkippedFramesFilled);
        Assert.True(sink.File.AsSpan(0, 500 * PageSize).IndexOfAnyExcept((byte)0) < 0);
        Assert.True(file.AsSpan(500 * PageSize).SequenceEqual(sink.File.AsSpan(500 * PageSize)));
        Assert.True(SpinWait.SpinUntil(() => server.AllConfirmed, TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_source_gone_after_the_last_page_leaves_only_the_skipped_frames_which_the_destination_zero_fills_itself()
    {
        var file = Pattern(10);
        using var streamEnd = new ManualResetEventSlim();
        // The source sends every page but stalls before its end of stream, then goes away (as one that freed itself may).
        using var server = new PageServer(new ArrayPageSource(file, Layout), Layout, bitmap => new StallingAtTheEnd(new SkippingSchedule(Layout, bitmap, skipBelow: 500), streamEnd), new PageServerOptions { BatchPages = 32 });
        server.Listen(new IPEndPoint(IPAddress.Loopback, 0));
        var sink = new MemoryPageSink(Layout);
        using var client = new PostCopyClient(server.LocalEndPoint!, Layout, sink, new PostCopyClientOptions { Recovery = new RecoveryOptions { OutageDeadline = TimeSpan.FromSeconds(15) } });
        client.Start();
        Assert.True(SpinWait.SpinUntil(() => sink.Held.Count == client.ExpectedFrames - 500, TimeSpan.FromSeconds(20)));
        Assert.False(client.IsComplete);

        var gone = Task.Run(server.Dispose);
        streamEnd.Set();
        await gone.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.True(client.WaitForCompletion(TimeSpan.FromSeconds(20)));
        Assert.Null(client.Failure);
        Assert.Equal(500, client.Statistics().SkippedFramesFilled);
        Assert.True(sink.File.AsSpan(0, 500 * PageSize).IndexOfAnyExcept((byte)0) < 0);
        Assert.True(file.AsSpan(500 * PageSize).SequenceEqual(sink.File.AsSpan(500 * PageSize)));
    }

    private static PageServer StartServer(byte[] file, out EndPoint endPoint, Guid session = default)
    {
        var server = new PageServer(
            new ArrayPageSource(file, Layout),
            Layout,
            bitmap => new AddressOrderSchedule(Layout, bitmap),
            new PageServerOptions { SessionId = session, BatchPages = 32 });
        server.Listen(new IPEndPoint(IPAddress.Loopback, 0));
        endPoint = server.LocalEndPoint!;
        return server;
    }

    /// <summary>Each page starts with its GFN and a seeded value; every 5th page is all zero.</summary>
    private static byte[] Pattern(int seed)
    {
        var file = new byte[Layout.FileBytes];
        var random = new Random(seed);
        for (ulong gfn = 0; gfn < Layout.TotalFrames; gfn++)
        {
            if (!Layout.IsBacked(gfn) || gfn % 5 == 0)
            {
                continue;
            }
            var page = file.AsSpan((int)Layout.FileOffsetOf(gfn), PageSize);
            BitConverter.TryWriteBytes(page, gfn);
            random.NextBytes(page.Slice(8, 64));
        }
        return file;
    }

    private static void AssertSameMemory(byte[] expected, MemoryPageSink sink)
    {
        for (ulong gfn = 0; gfn < Layout.TotalFrames; gfn++)
        {
            if (!Layout.IsBacked(gfn))
            {
                continue;
            }
            Assert.Equal(1, sink.InstallsOf(gfn));
            var offset = (int)Layout.FileOffsetOf(gfn);
            Assert.True(expected.AsSpan(offset, PageSize).SequenceEqual(sink.File.AsSpan(offset, PageSize)), $"GFN {gfn} differs");
        }
    }
}
