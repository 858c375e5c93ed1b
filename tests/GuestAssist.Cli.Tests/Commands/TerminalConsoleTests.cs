using GuestAssist.Cli.Commands;
using GuestAssist.Host.Agent;
using GuestAssist.Protocol.PageMaps;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Cli.Tests.Commands;

public class TerminalConsoleTests
{
    [Theory]
    [InlineData(true, null)]
    [InlineData(false, "1")]
    public void Redirected_output_or_NO_COLOR_gets_tables_without_an_escape_sequence(bool redirected, string? noColor)
    {
        var builder = new PageClassMapBuilder();
        builder.Append(64, PageClass.Kernel);
        var fetched = new AgentMemoryMap(builder.Build(new MapEpoch { Sequence = 1 }, 4096), 0, HeatMethod.LruFlags, 1, 3);
        var text = new StringWriter();

        AgentMapCommand.Render(TerminalConsole.Create(text, redirected, noColor), "unix:/a.sock", fetched);

        Assert.Contains("kernel", text.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', text.ToString());
    }

    [Fact]
    public void Redirected_output_is_wide_enough_for_a_log()
    {
        Assert.Equal(TerminalConsole.RedirectedWidth, TerminalConsole.Create(new StringWriter(), redirected: true, noColor: null).Profile.Width);
    }
}
