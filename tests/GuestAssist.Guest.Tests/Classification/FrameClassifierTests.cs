using GuestAssist.Guest.Classification;
using GuestAssist.Protocol.V1;
using static GuestAssist.Guest.Classification.KPageFlag;

namespace GuestAssist.Guest.Tests.Classification;

public sealed class FrameClassifierTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(61)]
    public void Vector_paths_agree_with_the_scalar_rule(int firstPfnOffset)
    {
        var random = new Random(firstPfnOffset + 1);
        ulong[] bits = [Referenced, Dirty, Lru, Active, Slab, Writeback, Buddy, Mmap, Anon, SwapBacked, Huge, Unevictable, HwPoison, NoPage, Offline, PageTable, Reserved];
        const int n = 1003;
        var flags = new ulong[n];
        var counts = new ulong[n];
        for (var i = 0; i < n; i++)
        {
            foreach (var bit in bits)
            {
                if (random.Next(4) == 0)
                {
                    flags[i] |= bit;
                }
            }
            counts[i] = (ulong)random.Next(3);
        }
        var now = new ulong[64];
        var recent = new ulong[64];
        for (var i = 0; i < now.Length; i++)
        {
            now[i] = (ulong)random.NextInt64();
            recent[i] = (ulong)random.NextInt64();
        }
        var firstPfn = (ulong)(64 + firstPfnOffset);

        foreach (var useIdle in new[] { false, true })
        {
            var codes = new byte[n];
            var tally = default(FrameTally);
            FrameClassifier.Classify(flags, counts, firstPfn, useIdle ? now : default, useIdle ? recent : default, 0, codes, ref tally);

            ulong buddy = 0, active = 0, inactive = 0, unevictable = 0;
            for (var i = 0; i < n; i++)
            {
                var pfn = firstPfn + (ulong)i;
                var expected = FrameClassifier.ClassifyOne(flags[i], counts[i], useIdle,
                    useIdle && FrameClassifier.TestBit(now, pfn), useIdle && FrameClassifier.TestBit(recent, pfn));
                Assert.True(expected == codes[i], $"frame {i} flags 0x{flags[i]:x} idle {useIdle}: expected 0x{expected:x2}, got 0x{codes[i]:x2}");
                var f = flags[i];
                buddy += (f & Buddy) != 0 ? 1UL : 0;
                if ((f & Lru) != 0)
                {
                    if ((f & Unevictable) != 0)
                    {
                        unevictable++;
                    }
                    else if ((f & Active) != 0)
                    {
                        active++;
                    }
                    else
                    {
                        inactive++;
                    }
                }
            }
            Assert.Equal(buddy, tally.Buddy);
            Assert.Equal(active, tally.LruActive);
            Assert.Equal(inactive, tally.LruInactive);
            Assert.Equal(unevictable, tally.Unevictable);
        }
    }

    [Fact]
    public void Lru_heat_levels_follow_active_and_referenced()
    {
        Assert.Equal(HeatLevel.Now, FrameCode.HeatOf(FrameClassifier.ClassifyOne(Lru | Active | Referenced, 0, false, false, false)));
        Assert.Equal(HeatLevel.Recent, FrameCode.HeatOf(FrameClassifier.ClassifyOne(Lru | Active, 0, false, false, false)));
        Assert.Equal(HeatLevel.Cold, FrameCode.HeatOf(FrameClassifier.ClassifyOne(Lru | Referenced, 0, false, false, false)));
        Assert.Equal(HeatLevel.Cold, FrameCode.HeatOf(FrameClassifier.ClassifyOne(Slab, 0, false, false, false)));
    }

    [Fact]
    public void With_idle_tracking_hot_means_accessed_in_the_window_not_the_lru_flags()
    {
        Assert.Equal(PageClass.Active, FrameCode.ClassOf(FrameClassifier.ClassifyOne(Lru | Active | Referenced, 1, true, false, false)));
        Assert.Equal(PageClass.Hot, FrameCode.ClassOf(FrameClassifier.ClassifyOne(Lru | Anon, 1, true, true, false)));
        Assert.Equal(HeatLevel.Recent, FrameCode.HeatOf(FrameClassifier.ClassifyOne(Lru | Anon, 1, true, false, true)));
        // Idle tracking only covers LRU pages: a slab page is never hot.
        Assert.Equal(PageClass.Kernel, FrameCode.ClassOf(FrameClassifier.ClassifyOne(Slab, 0, true, true, true)));
    }

    [Fact]
    public void Kpageflags_bits_match_the_kernel_uapi()
    {
        Assert.Equal(1UL << 2, Referenced);
        Assert.Equal(1UL << 4, Dirty);
        Assert.Equal(1UL << 5, Lru);
        Assert.Equal(1UL << 6, Active);
        Assert.Equal(1UL << 7, Slab);
        Assert.Equal(1UL << 8, Writeback);
        Assert.Equal(1UL << 10, Buddy);
        Assert.Equal(1UL << 11, Mmap);
        Assert.Equal(1UL << 12, Anon);
        Assert.Equal(1UL << 14, SwapBacked);
        Assert.Equal(1UL << 15, CompoundHead);
        Assert.Equal(1UL << 16, CompoundTail);
        Assert.Equal(1UL << 17, Huge);
        Assert.Equal(1UL << 18, Unevictable);
        Assert.Equal(1UL << 19, HwPoison);
        Assert.Equal(1UL << 20, NoPage);
        Assert.Equal(1UL << 22, Thp);
        Assert.Equal(1UL << 23, Offline);
        Assert.Equal(1UL << 24, ZeroPage);
        Assert.Equal(1UL << 25, Idle);
        Assert.Equal(1UL << 26, PageTable);
        Assert.Equal(1UL << 32, Reserved);
        Assert.Equal(1UL << 40, SoftDirty);
    }

    [Fact]
    public void Frame_codes_carry_class_and_heat_and_the_wire_heat_scale()
    {
        var code = FrameCode.Of(PageClass.Hot, HeatLevel.Now);
        Assert.Equal(PageClass.Hot, FrameCode.ClassOf(code));
        Assert.Equal(HeatLevel.Now, FrameCode.HeatOf(code));
        Assert.Equal(255, FrameCode.WireHeat(code));
        Assert.Equal(128, FrameCode.WireHeat(FrameCode.Of(PageClass.Active, HeatLevel.Recent)));
        Assert.Equal(0, FrameCode.WireHeat(FrameCode.Of(PageClass.Cache)));
        Assert.Equal(1, (int)PageClass.Kernel);
        Assert.Equal(7, (int)PageClass.Unbacked);
    }
}
