using GuestAssist.Cli.Commands;
using GuestAssist.Host.Planning;

namespace GuestAssist.Cli.Tests.Commands;

public class PageServerSkippingLineTests
{
    [Theory]
    [InlineData(false, true, SkippingStates.NoDirtyLog, "page-server: skipping disabled: no dirty log (give --dirty-log): free frames are sent, only the order changes")]
    [InlineData(true, false, SkippingStates.Enabled, "page-server: dirty log refused: " + SkippingStates.MapTimeUnknown + ": free frames are sent")]
    [InlineData(true, true, SkippingStates.StartedAfterMap, "page-server: dirty log refused: skipping disabled: dirty log started after the map: free frames are sent")]
    [InlineData(true, true, SkippingStates.Enabled, "page-server: " + SkippingStates.Enabled)]
    public void Page_server_says_what_it_does_with_free_frames_and_why(bool logGiven, bool mapTimeKnown, string state, string expected) =>
        Assert.Equal(expected, PageServerCommand.SkippingLine(state, logGiven, mapTimeKnown));
}
