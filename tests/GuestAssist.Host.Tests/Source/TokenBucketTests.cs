using GuestAssist.Host.Source;

namespace GuestAssist.Host.Tests.Source;

public class TokenBucketTests
{
    private const double Rate = 1_000_000; // bytes per second

    [Fact]
    public void Background_gets_the_burst_then_waits_exactly_for_its_debt()
    {
        var clock = new ManualTimeProvider();
        var bucket = new TokenBucket(new LinkRate(Rate), burstBytes: 100_000, clock);
        Assert.Equal(TimeSpan.Zero, bucket.TryTake(150_000, TrafficClass.Background)); // burst covers the start; 50 000 in debt
        var wait = bucket.TryTake(10_000, TrafficClass.Background);
        Assert.Equal(50, wait.TotalMilliseconds, 3);
        clock.Advance(TimeSpan.FromMilliseconds(50));
        Assert.Equal(TimeSpan.Zero, bucket.TryTake(10_000, TrafficClass.Background));
        Assert.Equal(160_000, bucket.GrantedBytes);
    }

    [Fact]
    public void Long_run_accounting_matches_the_rate()
    {
        var clock = new ManualTimeProvider();
        var bucket = new TokenBucket(new LinkRate(Rate), burstBytes: 64 * 1024, clock);
        var elapsed = TimeSpan.Zero;
        long sent = 0;
        while (sent < 100_000_000)
        {
            var wait = bucket.TryTake(256 * 1024, TrafficClass.Background);
            if (wait > TimeSpan.Zero)
            {
                clock.Advance(wait);
                elapsed += wait;
                continue;
            }
            sent += 256 * 1024;
        }
        // 100 MB at 1 MB/s: 100 s, give or take one burst and one request.
        Assert.InRange(elapsed.TotalSeconds, (sent - (64 * 1024) - (256 * 1024)) / Rate, sent / Rate);
    }

    [Fact]
    public void Urgent_is_never_held_back_by_background_debt_and_background_repays_urgent_bytes()
    {
        var clock = new ManualTimeProvider();
        var bucket = new TokenBucket(new LinkRate(Rate), burstBytes: 10_000, clock);
        Assert.Equal(TimeSpan.Zero, bucket.TryTake(500_000, TrafficClass.Background)); // deep debt
        Assert.Equal(TimeSpan.Zero, bucket.TryTake(4096, TrafficClass.Urgent));
        var backgroundWait = bucket.TryTake(1, TrafficClass.Background);
        Assert.Equal((500_000 - 10_000 + 4096) / Rate, backgroundWait.TotalSeconds, 4);
    }

    [Fact]
    public void Urgent_waits_only_beyond_its_own_burst()
    {
        var clock = new ManualTimeProvider();
        var bucket = new TokenBucket(new LinkRate(Rate), burstBytes: 10_000, clock);
        Assert.Equal(TimeSpan.Zero, bucket.TryTake(20_000, TrafficClass.Urgent));
        var wait = bucket.TryTake(5_000, TrafficClass.Urgent);
        Assert.Equal(5, wait.TotalMilliseconds, 3);
        Assert.Equal(25_000, bucket.GrantedBytes);
    }

    [Fact]
    public void Idle_time_refills_at_most_one_burst()
    {
        var clock = new ManualTimeProvider();
        var bucket = new TokenBucket(new LinkRate(Rate), burstBytes: 10_000, clock);
        clock.Advance(TimeSpan.FromSeconds(100));
        Assert.Equal(TimeSpan.Zero, bucket.TryTake(10_000, TrafficClass.Background));
        Assert.Equal(TimeSpan.Zero, bucket.TryTake(1, TrafficClass.Background));
        Assert.True(bucket.TryTake(1, TrafficClass.Background) > TimeSpan.Zero);
    }

    [Fact]
    public void Unlimited_links_need_no_bucket() =>
        Assert.Throws<ArgumentException>(() => new TokenBucket(LinkRate.Unlimited));
}
