using System.Diagnostics;
using System.Net;
using GuestAssist.Host.DirtyLog;
using GuestAssist.Host.Destination;
using GuestAssist.Host.Layout;
using GuestAssist.Host.Planning;
using GuestAssist.Host.Source;
using GuestAssist.Host.Transfer;
using GuestAssist.Protocol.PageMaps;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Host.Tests.Destination;

/// <summary>The enlightened order end to end: planner behind the page server, skipping under a sealed dirty log, cuts and resume.</summary>
public class PlannerTransferTests
{
    private const int PageSize = 4096;
    private const ulong Frames = 4096;
    private static readonly GuestMemoryLayout Layout = new([new MemoryRegion(0, Frames * PageSize, 0)]);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Clean_free_frames_are_skipped_dirty_ones_sent_and_cuts_lose_nothing(int seed)
    {
        var random = new Random(seed);
        var builder = new PageClassMapBuilder();
        PageClass[] classes = [PageClass.Kernel, PageClass.Hot, PageClass.Cache, PageClass.Free];
        while (builder.NextGfn < Frames)
        {
            builder.Append(Math.Min((ulong)random.Next(16, 200), Frames - builder.NextGfn), classes[random.Next(classes.Length)]);
        }
        var map = builder.Build(new MapEpoch { Sequence = 1 }, PageSize);
        var file = new byte[Frames * PageSize];
        var dirty = DirtyBitmap.StartNow(Frames);
        var requestedAt = Stopwatch.GetTimestamp();
        for (ulong gfn = 0; gfn < Frames; gfn++)
        {
            var free = map.ClassOf(gfn) == PageClass.Free;
            if (!free || random.Next(10) == 0)
            {
                BitConverter.TryWriteBytes(file.AsSpan((int)gfn * PageSize), gfn + 1);
            }
            if (free && random.Next(10) == 0 || !free && random.Next(4) == 0)
            {
                dirty.MarkDirty(gfn); // written after the report: a free frame here must be sent, never skipped (its content proves it)
                BitConverter.TryWriteBytes(file.AsSpan(((int)gfn * PageSize) + 64), gfn + 7);
            }
        }
        dirty.Seal();
        for (ulong gfn = 0; gfn < Frames; gfn++)
        {
            if (map.ClassOf(gfn) == PageClass.Free && !dirty.IsDirty(gfn))
            {
                file.AsSpan((int)gfn * PageSize, PageSize).Clear(); // a clean free frame's content does not matter: keep it zero to compare
            }
        }
        var schedule = new PlannerSchedule(new TransferPlanner(map, Layout, requestedAt, dirty));
        using var server = new PageServer(new ArrayPageSource(file, Layout), Layout, schedule.Factory(), new PageServerOptions { BatchPages = 16 });
        server.Listen(new IPEndPoint(IPAddress.Loopback, 0));
        var sink = new MemoryPageSink(Layout);
        var cuts = new[] { new ConnectionCut(ChannelKind.Background, random.Next(100, 2000)), new ConnectionCut(ChannelKind.Urgent, random.Next(100, 3000)) };
        using var client = new PostCopyClient(server.LocalEndPoint!, Layout, sink, new PostCopyClientOptions { Cuts = cuts });
        sink.BeforeInstall = gfn =>
        {
            if (gfn % 50 == 0)
            {
                client.RequestUrgent((gfn * 31) % Frames);
            }
        };
        client.Start();
        Assert.True(client.WaitForCompletion(TimeSpan.FromSeconds(20)));
        for (ulong gfn = 0; gfn < Frames; gfn++)
        {
            Assert.Equal(1, sink.InstallsOf(gfn));
            Assert.True(file.AsSpan((int)gfn * PageSize, PageSize).SequenceEqual(sink.File.AsSpan((int)gfn * PageSize, PageSize)), $"GFN {gfn}");
        }
        var skipped = server.Counters.Snapshot().SkippedFrames;
        Assert.Equal(0, client.Statistics().DoubleInstalls);
        Assert.True(skipped > 0);
        Assert.Contains("skipping enabled", schedule.Description, StringComparison.Ordinal);
    }
}
