using GuestAssist.Host.Measuring;

namespace GuestAssist.Host.Tests.Measuring;

public class LatencyHistogramTests
{
    [Fact]
    public void Percentiles_are_within_the_bucket_error()
    {
        var histogram = new LatencyHistogram();
        for (var i = 1; i <= 1000; i++)
        {
            histogram.RecordNanoseconds(i * 1000L);
        }
        var summary = histogram.Summarize();
        Assert.Equal(1000, summary.Count);
        Assert.InRange(summary.P50.TotalMicroseconds, 500, 500 * 1.13);
        Assert.InRange(summary.P99.TotalMicroseconds, 990, 1000);
        Assert.Equal(1000, summary.Max.TotalMicroseconds);
    }

    [Fact]
    public void Pooling_two_histograms_equals_recording_into_one()
    {
        var first = new LatencyHistogram();
        var second = new LatencyHistogram();
        var both = new LatencyHistogram();
        for (var i = 1; i <= 500; i++)
        {
            first.RecordNanoseconds(i * 1000L);
            both.RecordNanoseconds(i * 1000L);
            second.RecordNanoseconds(i * 7000L);
            both.RecordNanoseconds(i * 7000L);
        }
        first.Add(second);
        Assert.Equal(both.Summarize(), first.Summarize());
        Assert.Equal(3_500, first.Summarize().Max.TotalMicroseconds);
    }

    [Fact]
    public void Bucket_bounds_contain_their_values()
    {
        foreach (var value in new ulong[] { 0, 1, 7, 8, 15, 16, 17, 1000, 123_456_789, ulong.MaxValue >> 1 })
        {
            var index = LatencyHistogram.IndexOf(value);
            Assert.True(LatencyHistogram.UpperBound(index) >= value);
            Assert.True(index == 0 || LatencyHistogram.UpperBound(index - 1) < value);
        }
    }

    [Fact]
    public void An_empty_histogram_reports_zero()
    {
        Assert.Equal(default, new LatencyHistogram().Summarize());
    }
}
