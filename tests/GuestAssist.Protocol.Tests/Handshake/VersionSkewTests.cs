using GuestAssist.Protocol.Connections;
using GuestAssist.Protocol.Handshake;
using GuestAssist.Protocol.Tests.Support;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Protocol.Tests.Handshake;

/// <summary>Host and agent of different releases negotiate over a real Unix socket pair.</summary>
public sealed class VersionSkewTests : IAsyncLifetime
{
    private const string FutureCapability = "memory-map.v2";
    private SocketPair _pair = null!;

    public async Task InitializeAsync() => _pair = await SocketPair.CreateAsync();

    public async Task DisposeAsync() => await _pair.DisposeAsync();

    private static readonly HandshakeOffer NewHost =
        new(new VersionRange(1, 2), [.. Capabilities.All, FutureCapability], "guestassist-host 2.0");

    private static readonly HandshakeOffer OldAgent =
        new(new VersionRange(1, 1), [Capabilities.MemoryMapV1, Capabilities.Heartbeat, Capabilities.ThrottleSigstop], "guestassist-agent 1.0");

    private static readonly HandshakeOffer OldHost =
        new(new VersionRange(1, 1), [Capabilities.MemoryMapV1, Capabilities.Heartbeat], "guestassist-host 1.0");

    private static readonly HandshakeOffer NewAgent =
        new(new VersionRange(1, 3), [.. Capabilities.All, FutureCapability], "guestassist-agent 3.0");

    private sealed class Agent(HandshakeOffer offer)
    {
        public TaskCompletionSource<NegotiatedSession> Session { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IRequestHandler Handler => new DelegateRequestHandler(async (request, ct) =>
        {
            if (request.Kind == Envelope.BodyOneofCase.Hello)
            {
                try
                {
                    Session.TrySetResult(await HandshakeNegotiator.AnswerAsync(request, offer, ct));
                }
                catch (Exception ex)
                {
                    Session.TrySetException(ex);
                    throw;
                }
            }
            else
            {
                await request.ReplyAckAsync(ct);
            }
        });
    }

    private async Task<(NegotiatedSession Host, NegotiatedSession Agent)> NegotiateAsync(HandshakeOffer host, HandshakeOffer agentOffer)
    {
        var agent = new Agent(agentOffer);
        await using var agentSide = new ProtocolConnection(_pair.Acceptor, new ProtocolConnectionOptions { RequestHandler = agent.Handler, Name = "agent" }).Start();
        await using var hostSide = new ProtocolConnection(_pair.Opener, new ProtocolConnectionOptions { Name = "host" });
        var hostSession = await HandshakeNegotiator.HelloAsync(hostSide, host, TimeSpan.FromSeconds(10));
        return (hostSession, await agent.Session.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_newer_host_and_an_older_agent_agree_on_the_older_version_and_report_what_is_missing()
    {
        var (host, agent) = await NegotiateAsync(NewHost, OldAgent);

        Assert.Equal(1u, host.Version);
        Assert.Equal(1u, agent.Version);
        string[] shared = [Capabilities.Heartbeat, Capabilities.MemoryMapV1, Capabilities.ThrottleSigstop];
        Assert.Equal(shared, host.Capabilities);
        Assert.Equal(shared, agent.Capabilities);
        Assert.Equal(NewHost.Capabilities.Except(shared), host.MissingThere);
        Assert.Contains(FutureCapability, host.MissingThere);
        Assert.Empty(host.MissingHere);
        Assert.Equal(host.MissingThere, agent.MissingHere);
        Assert.Empty(agent.MissingThere);
        Assert.Equal("guestassist-agent 1.0", host.PeerSoftware);
        Assert.Equal("guestassist-host 2.0", agent.PeerSoftware);
        Assert.True(host.Has(Capabilities.MemoryMapV1));
        Assert.False(host.Has(Capabilities.MemoryMapHeat));
    }

    [Fact]
    public async Task An_older_host_and_a_newer_agent_agree_on_the_older_version_and_report_what_is_missing()
    {
        var (host, agent) = await NegotiateAsync(OldHost, NewAgent);

        Assert.Equal((1u, 1u), (host.Version, agent.Version));
        Assert.Equal([Capabilities.Heartbeat, Capabilities.MemoryMapV1], host.Capabilities);
        Assert.Equal(host.Capabilities, agent.Capabilities);
        Assert.Empty(host.MissingThere);
        Assert.Equal(NewAgent.Capabilities.Except(host.Capabilities), host.MissingHere);
        Assert.Contains(FutureCapability, host.MissingHere);
        Assert.Equal(host.MissingHere, agent.MissingThere);
        Assert.Empty(agent.MissingHere);
    }

    [Fact]
    public async Task Overlapping_ranges_pick_the_highest_common_version()
    {
        var (host, agent) = await NegotiateAsync(
            new HandshakeOffer(new VersionRange(1, 3), Capabilities.All),
            new HandshakeOffer(new VersionRange(2, 5), Capabilities.All));
        Assert.Equal((3u, 3u), (host.Version, agent.Version));
        Assert.Empty(host.MissingHere);
        Assert.Empty(host.MissingThere);
    }

    [Fact]
    public async Task Disjoint_ranges_fail_on_both_sides_with_a_message_naming_both_ranges_and_the_agent_keeps_serving()
    {
        var agent = new Agent(OldAgent);
        await using var agentSide = new ProtocolConnection(_pair.Acceptor, new ProtocolConnectionOptions { RequestHandler = agent.Handler, Name = "agent" }).Start();
        await using var hostSide = new ProtocolConnection(_pair.Opener, new ProtocolConnectionOptions { Name = "host" });
        var future = new HandshakeOffer(new VersionRange(2, 3), Capabilities.All, "guestassist-host 3.0");

        var ex = await Assert.ThrowsAsync<VersionMismatchException>(() => HandshakeNegotiator.HelloAsync(hostSide, future, TimeSpan.FromSeconds(10)));

        Assert.Equal(ErrorCode.VersionMismatch, ex.Code);
        Assert.Equal(new VersionRange(2, 3), ex.Local);
        Assert.Equal(
            "the peer refused this side's protocol versions [2, 3]: no common protocol version: "
            + "guestassist-agent 1.0 speaks [1, 1], guestassist-host 3.0 speaks [2, 3]",
            ex.Message);
        var agentError = await Assert.ThrowsAsync<VersionMismatchException>(() => agent.Session.Task);
        Assert.Equal(new VersionRange(2, 3), agentError.Remote);
        Assert.Equal(new VersionRange(1, 1), agentError.Local);
        Assert.Equal(Envelope.BodyOneofCase.Ack, (await hostSide.RequestAsync(new Envelope { GetStatus = new() })).BodyCase);
    }

    [Fact]
    public void Defaults_offer_the_current_version_and_every_capability()
    {
        Assert.Equal(1u, ProtocolVersions.Current);
        Assert.Equal(1u, ProtocolVersions.Minimum);
        var offer = HandshakeOffer.Default("x");
        Assert.Equal(new VersionRange(1, 1), offer.Versions);
        Assert.Equal(9, offer.Capabilities.Count);
        Assert.Equal(
            ["memory-map.v1", "memory-map.heat", "memory-map.owners", "idle-tracking", "soft-dirty",
             "dirty-attribution.v1", "throttle.sigstop", "throttle.cgroup", "heartbeat"],
            Capabilities.All);
    }

    [Fact]
    public void An_ack_outside_our_range_or_with_capabilities_we_never_offered_is_rejected()
    {
        var ack = new HelloAck { Version = 2, Software = "rogue" };
        Assert.Equal(ErrorCode.VersionMismatch, Assert.Throws<VersionMismatchException>(() => HandshakeNegotiator.Complete(OldHost, ack)).Code);
        ack.Version = 1;
        ack.Capabilities.Add("throttle.cgroup");
        var ex = Assert.Throws<GuestAssist.Protocol.Framing.ProtocolException>(() => HandshakeNegotiator.Complete(OldHost, ack));
        Assert.Contains("never offered: throttle.cgroup", ex.Message);
    }

    [Theory]
    [InlineData(0u, 1u)]
    [InlineData(3u, 2u)]
    public void A_hello_with_an_impossible_range_is_a_version_mismatch(uint min, uint max)
    {
        var hello = new Hello { MinVersion = min, MaxVersion = max };
        var ex = Assert.Throws<VersionMismatchException>(() => HandshakeNegotiator.Accept(OldAgent, hello, out _));
        Assert.Contains($"invalid protocol version range [{min}, {max}]", ex.Message);
    }
}
