using System.Net.Sockets;
using GuestAssist.Host.Source;

namespace GuestAssist.Host.Tests.Source;

public class BackgroundPacingTests
{
    [Fact]
    public void A_tcp_background_channel_is_paced_below_the_link_and_other_sockets_are_left_alone()
    {
        using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var unix = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);

        Assert.True(BackgroundPacing.Apply(tcp, LinkRate.Parse("1gbit")));
        var value = new byte[8];
        Assert.Equal(8, tcp.GetRawSocketOption(1, 47, value)); // SOL_SOCKET, SO_MAX_PACING_RATE
        Assert.Equal((ulong)(125_000_000 * BackgroundPacing.LinkShare), BitConverter.ToUInt64(value));

        Assert.False(BackgroundPacing.Apply(unix, LinkRate.Parse("1gbit")));
        Assert.False(BackgroundPacing.Apply(tcp, null));
        Assert.False(BackgroundPacing.Apply(tcp, LinkRate.Unlimited));
    }
}
