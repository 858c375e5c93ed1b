using GuestAssist.Agent.Serving;
using GuestAssist.Protocol.Framing;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Agent.Tests.Serving;

public sealed class EvictionSessionsTests
{
    private static readonly MapEpoch Epoch = new() { Sequence = 3, GuestMonotonicNs = 42 };

    private static BeginEviction PostCopy(uint heartbeatMs = 0) => new() { Mode = EvictionMode.PostCopy, HeartbeatTimeoutMs = heartbeatMs };

    [Fact]
    public void One_session_at_a_time_with_increasing_ids()
    {
        var sessions = new EvictionSessions();

        var first = sessions.Begin("a", PostCopy(), Epoch);
        var busy = Assert.Throws<ProtocolException>(() => sessions.Begin("b", PostCopy(), Epoch));
        sessions.End("a", first.Id);
        var second = sessions.Begin("b", PostCopy(), Epoch);

        Assert.Equal(ErrorCode.Busy, busy.Code);
        Assert.True(second.Id > first.Id);
        Assert.Equal(Epoch, first.Epoch);
    }

    [Fact]
    public void Ending_an_unknown_session_is_not_found()
    {
        var sessions = new EvictionSessions();
        var none = Assert.Throws<ProtocolException>(() => sessions.End("a", 9));
        var active = sessions.Begin("a", PostCopy(), Epoch);
        var wrong = Assert.Throws<ProtocolException>(() => sessions.End("a", active.Id + 1));

        Assert.Equal(ErrorCode.NotFound, none.Code);
        Assert.Equal("no eviction session 9: none is active", none.Message);
        Assert.Equal(ErrorCode.NotFound, wrong.Code);
        Assert.Same(active, sessions.Active);
    }

    [Fact]
    public void Another_connection_cannot_end_a_session()
    {
        var sessions = new EvictionSessions();
        var active = sessions.Begin("owner", PostCopy(), Epoch);

        var error = Assert.Throws<ProtocolException>(() => sessions.End("stranger", active.Id));

        Assert.Equal(ErrorCode.PermissionDenied, error.Code);
        Assert.Equal($"eviction session {active.Id} belongs to owner, not to stranger", error.Message);
        Assert.Same(active, sessions.Active);
    }

    [Theory]
    [InlineData(EvictionMode.Unspecified)]
    [InlineData((EvictionMode)42)]
    public void An_unknown_mode_is_an_invalid_argument(EvictionMode mode)
    {
        var error = Assert.Throws<ArgumentException>(() => new EvictionSessions().Begin("a", new BeginEviction { Mode = mode }, Epoch));
        Assert.Contains("is not one of POST_COPY, PRE_COPY, HYBRID", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_the_owning_connection_abandons_a_session()
    {
        var sessions = new EvictionSessions();
        var active = sessions.Begin("owner", PostCopy(), Epoch);

        Assert.Null(sessions.Abandon("stranger"));
        Assert.Same(active, sessions.Abandon("owner"));
        Assert.Null(sessions.Active);
    }

    [Fact]
    public void A_connection_that_closed_while_its_BeginEviction_ran_gets_no_session()
    {
        var sessions = new EvictionSessions();
        Assert.Null(sessions.Abandon("gone"));

        var error = Assert.Throws<ProtocolException>(() => sessions.Begin("gone", PostCopy(), Epoch));

        Assert.Equal(ErrorCode.Unavailable, error.Code);
        Assert.Null(sessions.Active);
        Assert.NotNull(sessions.Begin("next", PostCopy(), Epoch));
    }

    [Fact]
    public void A_session_whose_host_goes_silent_expires_after_its_heartbeat_timeout()
    {
        var sessions = new EvictionSessions();
        var active = sessions.Begin("owner", PostCopy(heartbeatMs: 100), Epoch);

        Assert.Null(sessions.Expire(active.StartedNs + 50_000_000));
        sessions.Heard("owner");
        Assert.Null(sessions.Expire(active.LastHeardNs + 99_000_000));
        Assert.Same(active, sessions.Expire(active.LastHeardNs + 101_000_000));
        Assert.Null(sessions.Active);
    }
}
