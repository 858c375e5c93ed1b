using GuestAssist.Guest.Heat;

namespace GuestAssist.Guest.Tests.Heat;

public sealed class DamonOptionsTests
{
    [Theory]
    [InlineData(5_000, 5_000)]
    [InlineData(2_000, 2_000)]
    [InlineData(10_000, 10_000)]
    [InlineData(30_000, 10_000)]
    [InlineData(100, 500)]
    public void One_aggregation_spans_the_window_up_to_the_maximum_and_at_least_ten_samples(int windowMs, int expectedMs)
    {
        var options = new DamonOptions();
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), options.AggregationFor(TimeSpan.FromMilliseconds(windowMs)));
    }

    [Fact]
    public void Kdamonds_start_further_apart_than_the_kernel_polls_a_command()
    {
        Assert.True(new DamonOptions().Stagger > TimeSpan.FromMilliseconds(100));
    }
}
