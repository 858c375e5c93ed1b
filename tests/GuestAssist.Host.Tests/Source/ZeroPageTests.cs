using GuestAssist.Host.Source;

namespace GuestAssist.Host.Tests.Source;

public class ZeroPageTests
{
    [Fact]
    public void Zero_page_is_zero() => Assert.True(ZeroPage.IsZero(new byte[4096]));

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(511)]
    [InlineData(2048)]
    [InlineData(4095)]
    public void Any_set_byte_makes_it_non_zero(int index)
    {
        var page = new byte[4096];
        page[index] = 0x80;
        Assert.False(ZeroPage.IsZero(page));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(13)]
    [InlineData(100)]
    public void Odd_lengths_check_their_tails(int length)
    {
        var data = new byte[length];
        Assert.True(ZeroPage.IsZero(data));
        if (length > 0)
        {
            data[^1] = 1;
            Assert.False(ZeroPage.IsZero(data));
        }
    }
}
