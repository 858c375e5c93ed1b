using GuestAssist.Host.DirtyLog;

namespace GuestAssist.Host.Tests.DirtyLog;

public class DirtyBitmapTests
{
    [Fact]
    public void Merge_at_a_word_aligned_base_sets_exactly_the_given_bits()
    {
        var log = new DirtyBitmap(256, trackingStartedAt: 10);

        log.Merge([0b1010UL, 1UL << 63], firstGfn: 64);

        Assert.Equal([65UL, 67UL, 191UL], DirtyFrames(log));
    }

    [Fact]
    public void Merge_at_an_unaligned_base_carries_bits_into_the_next_word()
    {
        var log = new DirtyBitmap(200, trackingStartedAt: 10);

        log.Merge([(1UL << 63) | 1UL, 0b10UL], firstGfn: 3);

        Assert.Equal([3UL, 66UL, 68UL], DirtyFrames(log));
    }

    [Fact]
    public void Merge_matches_marking_each_bit_for_random_bitmaps_and_bases()
    {
        var rng = new Random(1234);
        for (var round = 0; round < 200; round++)
        {
            var total = (ulong)rng.Next(1, 700);
            var first = (ulong)rng.Next(0, (int)total);
            var words = new ulong[rng.Next(0, 8)];
            var expected = new SortedSet<ulong>();
            for (var bit = 0UL; bit < (ulong)words.Length * 64 && first + bit < total; bit++)
            {
                if (rng.Next(3) == 0)
                {
                    words[bit / 64] |= 1UL << (int)(bit % 64);
                    expected.Add(first + bit);
                }
            }
            var log = new DirtyBitmap(total, 1);

            log.Merge(words, first);

            Assert.Equal(expected, DirtyFrames(log));
            Assert.Equal((ulong)expected.Count, log.CountDirty());
        }
    }

    [Fact]
    public void Merge_refuses_set_bits_beyond_the_covered_frames_and_merges_nothing()
    {
        var log = new DirtyBitmap(100, trackingStartedAt: 10);

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => log.Merge([1UL, 1UL << 40], firstGfn: 64));

        Assert.Contains("dirty bit for GFN 168 is beyond the 100 frames the log covers", e.Message, StringComparison.Ordinal);
        Assert.Empty(DirtyFrames(log));
        log.Merge([1UL, 0UL], firstGfn: 64);
        Assert.Equal([64UL], DirtyFrames(log));
    }

    [Fact]
    public void Mark_dirty_and_lookups_outside_the_log()
    {
        var log = new DirtyBitmap(10, trackingStartedAt: 10);

        log.MarkDirty(9);

        Assert.True(log.IsDirty(9));
        Assert.False(log.IsDirty(8));
        Assert.False(log.IsDirty(1000));
        Assert.Throws<ArgumentOutOfRangeException>(() => log.MarkDirty(10));
        Assert.Throws<ArgumentOutOfRangeException>(() => log.Merge([1UL], firstGfn: 11));
    }

    [Fact]
    public void Sealing_records_the_time_and_refuses_further_writes()
    {
        var log = new DirtyBitmap(64, trackingStartedAt: 10);
        Assert.Null(log.SealedAt);

        log.Seal(25);

        Assert.Equal(25, log.SealedAt);
        Assert.Equal(10, log.TrackingStartedAt);
        Assert.Throws<InvalidOperationException>(() => log.MarkDirty(1));
        Assert.Throws<InvalidOperationException>(() => log.Merge([1UL], 0));
        Assert.Throws<InvalidOperationException>(() => log.Seal(30));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DirtyBitmap(64, 10).Seal(5));
    }

    [Fact]
    public void Start_now_and_seal_now_use_the_stopwatch()
    {
        var log = DirtyBitmap.StartNow(64);

        log.Collect();
        log.Seal();

        Assert.True(log.SealedAt >= log.TrackingStartedAt);
    }

    private static List<ulong> DirtyFrames(DirtyBitmap log)
    {
        var frames = new List<ulong>();
        for (var gfn = 0UL; gfn < log.TotalFrames; gfn++)
        {
            if (log.IsDirty(gfn))
            {
                frames.Add(gfn);
            }
        }
        return frames;
    }
}
