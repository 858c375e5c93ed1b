using GuestAssist.Host.Planning;

namespace GuestAssist.Host.Tests.Planning;

public class FrameBitmapTests
{
    [Fact]
    public void Scans_counts_and_ranges_agree_with_a_plain_bool_array()
    {
        for (var seed = 0; seed < 200; seed++)
        {
            var rng = new Random(seed);
            var length = (ulong)rng.Next(0, 400);
            var bitmap = new FrameBitmap(length);
            var plain = new bool[length];
            for (var op = 0; op < 30; op++)
            {
                var a = (ulong)rng.Next(0, (int)length + 1);
                var b = (ulong)rng.Next((int)a, (int)length + 1);
                var set = rng.Next(2) == 0;
                if (set)
                {
                    bitmap.SetRange(a, b);
                }
                else
                {
                    bitmap.ClearRange(a, b);
                }
                for (var i = a; i < b; i++)
                {
                    plain[i] = set;
                }

                Assert.Equal((ulong)plain.Skip((int)a).Take((int)(b - a)).Count(x => x), bitmap.CountSet(a, b));
                Assert.Equal(NaiveNext(plain, a, b), bitmap.FindNextSet(a, b));
                if (length > 0)
                {
                    var from = Math.Min(b, length - 1);
                    Assert.Equal(NaivePrevious(plain, from, a), bitmap.FindPreviousSet(from, a));
                }
            }
            Assert.Equal((ulong)plain.Count(x => x), bitmap.CountSet());
            for (var i = 0UL; i < length; i++)
            {
                Assert.Equal(plain[i], bitmap.IsSet(i));
            }
            Assert.False(bitmap.IsSet(length));
        }
    }

    [Fact]
    public void Try_clear_reports_whether_the_bit_was_set()
    {
        var bitmap = new FrameBitmap(100);
        bitmap.Set(70);

        Assert.True(bitmap.TryClear(70));
        Assert.False(bitmap.TryClear(70));
        Assert.False(bitmap.TryClear(1000));
        Assert.Throws<ArgumentOutOfRangeException>(() => bitmap.Set(100));
        Assert.Throws<ArgumentOutOfRangeException>(() => bitmap.SetRange(50, 101));
    }

    [Fact]
    public void And_and_and_not_combine_word_by_word()
    {
        var bitmap = new FrameBitmap(130);
        bitmap.SetRange(0, 130);

        bitmap.AndNot([0b1111UL]);
        bitmap.And([~0UL, 1UL]);

        Assert.Equal(60UL + 1, bitmap.CountSet());
        Assert.False(bitmap.IsSet(3));
        Assert.True(bitmap.IsSet(64));
        Assert.False(bitmap.IsSet(65));
        Assert.False(bitmap.IsSet(128));
    }

    private static ulong NaiveNext(bool[] bits, ulong from, ulong end)
    {
        for (var i = from; i < end; i++)
        {
            if (bits[i])
            {
                return i;
            }
        }
        return end;
    }

    private static ulong NaivePrevious(bool[] bits, ulong from, ulong lowerBound)
    {
        for (var i = (long)from; i >= (long)lowerBound; i--)
        {
            if (bits[i])
            {
                return (ulong)i;
            }
        }
        return FrameBitmap.NotFound;
    }
}
