using GuestAssist.Host.Source;

namespace GuestAssist.Host.Tests.Source;

public class LinkRateTests
{
    [Theory]
    [InlineData("100mbit", 12.5e6)]
    [InlineData("1gbit", 125e6)]
    [InlineData("10gbit", 1.25e9)]
    [InlineData("1.5Gbps", 187.5e6)]
    [InlineData("800kbit", 100e3)]
    [InlineData("500MB/s", 500e6)]
    [InlineData("500MiB/s", 500.0 * 1024 * 1024)]
    [InlineData("2GB/s", 2e9)]
    [InlineData(" 1 gbit ", 125e6)]
    public void Parses_bit_and_byte_rates(string text, double bytesPerSecond) =>
        Assert.Equal(bytesPerSecond, LinkRate.Parse(text).BytesPerSecond, 6);

    [Theory]
    [InlineData("unlimited")]
    [InlineData("0")]
    public void Unlimited(string text) => Assert.True(LinkRate.Parse(text).IsUnlimited);

    [Theory]
    [InlineData("fast", "does not start with a positive number")]
    [InlineData("1parsec", "unknown unit 'parsec'")]
    [InlineData("-5mbit", "does not start with a positive number")]
    [InlineData("", "does not start")]
    public void Rejects_nonsense_with_a_reason(string text, string reason) =>
        Assert.Contains(reason, Assert.Throws<FormatException>(() => LinkRate.Parse(text)).Message, StringComparison.Ordinal);
}
