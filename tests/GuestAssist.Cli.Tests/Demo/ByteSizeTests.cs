using GuestAssist.Cli.Demo;

namespace GuestAssist.Cli.Tests.Demo;

public class ByteSizeTests
{
    [Theory]
    [InlineData("4096", 4096UL)]
    [InlineData("256MiB", 256UL << 20)]
    [InlineData("64M", 64UL << 20)]
    [InlineData("1GiB", 1UL << 30)]
    [InlineData(" 2 gb ", 2UL << 30)]
    [InlineData("8k", 8UL << 10)]
    public void Parses_binary_units(string text, ulong expected) => Assert.Equal(expected, ByteSize.Parse(text));

    [Theory]
    [InlineData("")]
    [InlineData("MiB")]
    [InlineData("12 parsecs")]
    [InlineData("99999999999999999999GiB")]
    public void Rejects_what_is_not_a_size(string text)
    {
        var error = Record.Exception(() => ByteSize.Parse(text));
        Assert.True(error is FormatException or OverflowException, $"'{text}' gave {error?.GetType().Name ?? "no error"}");
    }
}
