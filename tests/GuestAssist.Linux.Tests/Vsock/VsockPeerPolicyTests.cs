using GuestAssist.Linux.Vsock;

namespace GuestAssist.Linux.Tests.Vsock;

public class VsockPeerPolicyTests
{
    [Theory]
    [InlineData(VsockCid.Host, true)]
    [InlineData(VsockCid.Hypervisor, false)]
    [InlineData(VsockCid.Local, false)]
    [InlineData(3u, false)]
    public void Host_only_keeps_cid_2(uint cid, bool allowed) =>
        Assert.Equal(allowed, VsockPeerPolicy.HostOnly.Allows(new VsockEndPoint(cid, 1234)));

    [Fact]
    public void Any_peer_keeps_everyone() =>
        Assert.True(VsockPeerPolicy.AnyPeer.Allows(new VsockEndPoint(77, 1)));

    [Fact]
    public void Explicit_list_keeps_only_its_cids()
    {
        var policy = VsockPeerPolicy.Only([2, 5]);

        Assert.True(policy.Allows(new VsockEndPoint(5, 1)));
        Assert.False(policy.Allows(new VsockEndPoint(4, 1)));
        Assert.Equal("CIDs 2, 5", policy.ToString());
    }
}
