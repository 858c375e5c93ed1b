using GuestAssist.Host.Destination;

namespace GuestAssist.Host.Tests.Destination;

public class AtomicBitmapTests
{
    [Fact]
    public void Exactly_one_racer_wins_each_bit()
    {
        var bitmap = new AtomicBitmap(10_000);
        var wins = new int[4];
        Parallel.For(0, 4, t =>
        {
            for (var i = 0UL; i < bitmap.Length; i++)
            {
                if (bitmap.TrySet(i))
                {
                    Interlocked.Increment(ref wins[t]);
                }
            }
        });
        Assert.Equal(10_000, wins.Sum());
        Assert.Equal(10_000, bitmap.Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => bitmap.IsSet(10_000));
    }

    [Fact]
    public void Set_range_counts_new_bits_and_snapshot_shows_them()
    {
        var bitmap = new AtomicBitmap(130);
        Assert.Equal(3UL, bitmap.SetRange(63, 3));
        Assert.Equal(1UL, bitmap.SetRange(64, 3));
        var words = bitmap.Snapshot();
        Assert.Equal(1UL << 63, words[0]);
        Assert.Equal(0b111UL, words[1]);
    }
}
