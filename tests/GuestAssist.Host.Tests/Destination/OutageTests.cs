using System.Diagnostics;
using System.Net.Sockets;
using GuestAssist.Host.Destination;
using GuestAssist.Host.Layout;
using GuestAssist.Host.Source;
using GuestAssist.Host.Transfer;

namespace GuestAssist.Host.Tests.Destination;

/// <summary>
/// The outage policy: the page server dies mid-transfer and comes back after a while. Within the deadline the
/// destination reconnects (every attempt reported) and ends with every page identical; past it, the transfer
/// fails once, with a reason that says how long and how often it tried.
/// </summary>
public sealed class OutageTests : IDisposable
{
    private const int PageSize = 4096;
    private static readonly GuestMemoryLayout Layout = new([new MemoryRegion(0, 4096UL * PageSize, 0)]);
    private static readonly TransferSecret Secret = TransferSecret.Generate();

    private readonly string _directory = Directory.CreateTempSubdirectory("ga-outage-").FullName;
    private readonly byte[] _memory = Pattern();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData(200)]
    [InlineData(1000)]
    [InlineData(2000)]
    [InlineData(5000)]
    [InlineData(30_000)]
    public void A_page_server_down_for_a_while_is_waited_for_and_every_page_arrives(int downMilliseconds)
    {
        var endPoint = new UnixDomainSocketEndPoint(Path.Combine(_directory, "ps.sock"));
        var server = Start(endPoint);
        var sink = new MemoryPageSink(Layout);
        var attempts = new List<OutageAttempt>();
        var killed = new ManualResetEventSlim();
        var options = new PostCopyClientOptions
        {
            Secret = Secret,
            Recovery = new RecoveryOptions(TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(500)),
        };
        using var client = new PostCopyClient(endPoint, Layout, sink, options);
        client.OutageReported += attempt =>
        {
            lock (attempts)
            {
                attempts.Add(attempt);
            }
        };
        client.FramesInstalled += (_, _) =>
        {
            if (client.Held.Count > 1000 && !killed.IsSet)
            {
                killed.Set();
            }
        };
        client.Start();
        Assert.True(killed.Wait(TimeSpan.FromSeconds(20)), "the transfer should get going");
        server.Dispose();
        var down = Stopwatch.StartNew();
        Thread.Sleep(downMilliseconds);
        using var restarted = Start(endPoint);

        Assert.True(client.WaitForCompletion(TimeSpan.FromSeconds(30)));
        Assert.True(_memory.AsSpan().SequenceEqual(sink.File), "every page identical after the outage");
        Assert.Equal(0, client.Statistics().DoubleInstalls);
        Assert.NotEmpty(attempts);
        Assert.True(client.Statistics().LongestOutage >= TimeSpan.FromMilliseconds(downMilliseconds * 0.8), $"outage {client.Statistics().LongestOutage} for {downMilliseconds} ms down");
        Assert.True(down.Elapsed < TimeSpan.FromMilliseconds(downMilliseconds) + TimeSpan.FromSeconds(10));
        // One connection per channel: the restarted server accepts the confirmations of what the old one sent (claimed
        // in the destination's hello); refusing them cut each new connection after a batch or two.
        var connections = restarted.Counters.Snapshot().Connections;
        Assert.True(connections <= 2, $"the restarted page server took {connections} connections");
    }

    [Fact]
    public void An_outage_past_the_deadline_fails_the_transfer_once_with_its_reason()
    {
        var endPoint = new UnixDomainSocketEndPoint(Path.Combine(_directory, "ps.sock"));
        var server = Start(endPoint);
        var failures = new List<Exception>();
        var options = new PostCopyClientOptions
        {
            Secret = Secret,
            Recovery = new RecoveryOptions(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(200)),
        };
        var killed = new ManualResetEventSlim();
        using var client = new PostCopyClient(endPoint, Layout, new MemoryPageSink(Layout), options);
        client.Failed += e =>
        {
            lock (failures)
            {
                failures.Add(e);
            }
        };
        client.FramesInstalled += (_, _) =>
        {
            if (client.Held.Count > 1000)
            {
                killed.Set();
            }
        };
        client.Start();
        Assert.True(killed.Wait(TimeSpan.FromSeconds(20)));
        server.Dispose();

        var error = Assert.Throws<IOException>(() => client.WaitForCompletion(TimeSpan.FromSeconds(20)));

        var outage = Assert.IsType<TransferOutageException>(error.InnerException);
        Assert.Matches(@"^page server unix:.*ps\.sock unreachable for [12] s on the (Urgent|Background) channel \(\d+ attempts, deadline 1 s\): ", outage.Message);
        Thread.Sleep(300);
        lock (failures)
        {
            Assert.NotEmpty(failures);
        }
    }

    [Fact]
    public void A_resume_hello_reports_every_frame_the_destination_holds_and_nothing_is_sent_or_claimed_twice()
    {
        // Frames the destination zero-fills itself (a fault on a frame proven free: zero at the source too) and frames the
        // VMM removes (balloon), both while the page server is down and beyond where its address-order stream has got to.
        var zeroFilled = Enumerable.Range(3000, 64).Select(g => (ulong)g).ToArray();
        var removed = Enumerable.Range(3500, 64).Select(g => (ulong)g).ToArray();
        foreach (var gfn in zeroFilled)
        {
            _memory.AsSpan((int)Layout.FileOffsetOf(gfn), PageSize).Clear();
        }
        var endPoint = new UnixDomainSocketEndPoint(Path.Combine(_directory, "ps.sock"));
        var server = Start(endPoint, "50mbit");
        var sink = new MemoryPageSink(Layout);
        var killed = new ManualResetEventSlim();
        var options = new PostCopyClientOptions
        {
            Secret = Secret,
            Recovery = new RecoveryOptions(TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(100)),
        };
        using var client = new PostCopyClient(endPoint, Layout, sink, options);
        client.FramesInstalled += (_, _) =>
        {
            if (client.Held.Count > 1000)
            {
                killed.Set();
            }
        };
        client.Start();
        Assert.True(killed.Wait(TimeSpan.FromSeconds(20)), "the transfer should get going");
        server.Dispose();
        Assert.All(zeroFilled.Concat(removed), gfn => Assert.False(sink.Held.IsHeld(gfn), $"GFN {gfn} arrived before the outage: the test needs a slower link"));
        foreach (var gfn in zeroFilled)
        {
            Assert.True(sink.ZeroLocally(gfn));
        }
        foreach (var gfn in removed)
        {
            sink.Remove(gfn);
        }
        var heldAtResume = sink.Held.Snapshot();
        var heldCount = sink.Held.Count;
        ulong[]? resumeBitmap = null;
        using var restarted = Start(endPoint, "100mbit", bitmap => resumeBitmap ??= bitmap);

        Assert.True(client.WaitForCompletion(TimeSpan.FromSeconds(30)));

        Assert.Equal(heldAtResume, resumeBitmap);
        var statistics = client.Statistics();
        Assert.Equal(0, statistics.DuplicateDeliveries);
        Assert.Equal(0, statistics.DoubleInstalls);
        var sent = restarted.Counters.Snapshot();
        // At most what was missing at the resume: frames still buffered on the dead connection may land after the
        // snapshot (the channel that reconnects first greets before the other has drained), and are then not sent again.
        Assert.InRange(sent.PagesSent + sent.ZeroPages, 1, (long)Layout.TotalFrames - heldCount);
        var expected = (byte[])_memory.Clone();
        foreach (var gfn in removed)
        {
            expected.AsSpan((int)Layout.FileOffsetOf(gfn), PageSize).Clear();
        }
        for (var gfn = 0UL; gfn < Layout.TotalFrames; gfn++)
        {
            Assert.Equal(removed.Contains(gfn) ? 0 : 1, sink.InstallsOf(gfn));
            Assert.True(
                expected.AsSpan((int)Layout.FileOffsetOf(gfn), PageSize).SequenceEqual(sink.File.AsSpan((int)Layout.FileOffsetOf(gfn), PageSize)),
                $"GFN {gfn} differs");
        }
    }

    private PageServer Start(UnixDomainSocketEndPoint endPoint, string link = "100mbit", Action<ulong[]?>? onSchedule = null)
    {
        var server = new PageServer(
            new ArrayPageSource(_memory, Layout),
            Layout,
            bitmap =>
            {
                onSchedule?.Invoke(bitmap);
                return new AddressOrderSchedule(Layout, bitmap);
            },
            new PageServerOptions { Secret = Secret, BatchPages = 16, Link = new TokenBucket(LinkRate.Parse(link)) });
        server.Listen(endPoint);
        return server;
    }

    private static byte[] Pattern()
    {
        var memory = new byte[Layout.FileBytes];
        new Random(11).NextBytes(memory);
        return memory;
    }
}
