using GuestAssist.Host.Layout;
using GuestAssist.Host.Source;

namespace GuestAssist.Host.Tests.Source;

public class AddressOrderScheduleTests
{
    // 100 frames of RAM, a hole of 28 frames, 72 more frames.
    private static readonly GuestMemoryLayout Layout = new([new MemoryRegion(0, 100 * 4096, 0), new MemoryRegion(128 * 4096, 72 * 4096, 100 * 4096)]);

    [Fact]
    public void Sends_every_backed_frame_once_in_address_order()
    {
        var schedule = new AddressOrderSchedule(Layout);
        var sent = Drain(schedule, 16);
        Assert.Equal(172, sent.Count);
        Assert.Equal(sent.Order().ToList(), sent);
        Assert.DoesNotContain(sent, g => g is >= 100 and < 128);
        Assert.Equal(0, schedule.TakeZeroFill(new ulong[8]));
    }

    [Fact]
    public void A_fault_restarts_the_scan_just_after_the_faulted_frame()
    {
        var schedule = new AddressOrderSchedule(Layout);
        var batch = new ulong[4];
        Assert.Equal(4, schedule.NextBatch(batch));
        schedule.OnDemandFault(150);
        Assert.Equal(4, schedule.NextBatch(batch));
        Assert.Equal([151UL, 152, 153, 154], batch);
        var rest = Drain(schedule, 64);
        Assert.DoesNotContain(150UL, rest);
        Assert.Equal(172 - 8 - 1, rest.Count);
        Assert.Equal(172 - 9, rest.Distinct().Count());
    }

    [Fact]
    public void Resume_skips_what_the_destination_has()
    {
        var bitmap = new ulong[4];
        bitmap[0] = ulong.MaxValue; // frames 0..63
        var sent = Drain(new AddressOrderSchedule(Layout, bitmap), 32);
        Assert.Equal(172 - 64, sent.Count);
        Assert.Equal(64UL, sent[0]);
    }

    private static List<ulong> Drain(ITransferSchedule schedule, int batch)
    {
        var all = new List<ulong>();
        var buffer = new ulong[batch];
        int n;
        while ((n = schedule.NextBatch(buffer)) > 0)
        {
            all.AddRange(buffer.AsSpan(0, n).ToArray());
            Assert.True(all.Count < 10_000);
        }
        return all;
    }
}
