using System.Diagnostics;
using System.Net.Sockets;
using GuestAssist.Host.Engine;
using GuestAssist.Host.Layout;
using GuestAssist.Host.Source;
using GuestAssist.Host.Transfer;

namespace GuestAssist.Host.Tests.Engine;

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
            if (client.Received.Count > 1000 && !killed.IsSet)
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
            if (client.Received.Count > 1000)
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

    private PageServer Start(UnixDomainSocketEndPoint endPoint)
    {
        var server = new PageServer(
            new ArrayPageSource(_memory, Layout),
            Layout,
            bitmap => new AddressOrderSchedule(Layout, bitmap),
            new PageServerOptions { Secret = Secret, BatchPages = 16, Link = new TokenBucket(LinkRate.Parse("100mbit")) });
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
