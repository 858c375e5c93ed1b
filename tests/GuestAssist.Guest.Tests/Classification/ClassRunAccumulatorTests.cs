using GuestAssist.Guest.Classification;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Guest.Tests.Classification;

public sealed class ClassRunAccumulatorTests
{
    [Fact]
    public void Appended_codes_merge_into_runs_with_counts()
    {
        var accumulator = new ClassRunAccumulator();
        var kernel = FrameCode.Of(PageClass.Kernel);
        var free = FrameCode.Of(PageClass.Free);
        var codes = new byte[100];
        codes.AsSpan().Fill(kernel);
        codes.AsSpan(40, 33).Fill(free);

        accumulator.Append(5, kernel);
        accumulator.Append(codes);
        accumulator.Append(10, kernel);

        Assert.Equal(3, accumulator.RunCount);
        Assert.Equal(0UL, accumulator.RunStart(0));
        Assert.Equal(45UL, accumulator.RunStart(1));
        Assert.Equal(78UL, accumulator.RunStart(2));
        Assert.Equal(115UL, accumulator.RunEnd(2));
        Assert.Equal(82UL, accumulator.Counts[PageClass.Kernel]);
        Assert.Equal(33UL, accumulator.Counts[PageClass.Free]);
    }

    [Fact]
    public void Every_single_frame_change_starts_a_run()
    {
        var accumulator = new ClassRunAccumulator();
        var codes = new byte[10_000];
        for (var i = 0; i < codes.Length; i++)
        {
            codes[i] = (byte)(i % 7 + 1);
        }
        accumulator.Append(codes);

        Assert.Equal(10_000, accumulator.RunCount);
        for (var i = 0; i < codes.Length; i += 777)
        {
            Assert.Equal((ulong)i, accumulator.RunStart(i));
            Assert.Equal(codes[i], accumulator.RunCode(i));
        }
        Assert.Equal(10_000UL, accumulator.Counts.Total);
    }
}
