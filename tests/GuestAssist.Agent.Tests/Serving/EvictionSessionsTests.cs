using GuestAssist.Agent.Serving;
using GuestAssist.Protocol.Framing;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Agent.Tests.Serving;

public sealed class EvictionSessionsTests
{
    private static readonly MapEpoch Epoch = new() { Sequence = 3, GuestMonotonicNs = 42 };

    [Fact]
    public void One_session_at_a_time_with_increasing_ids()
    {
        var sessions = new EvictionSessions();

        var first = sessions.Begin("a", new BeginEviction(), Epoch);
        var busy = Assert.Throws<ProtocolException>(() => sessions.Begin("b", new BeginEviction(), Epoch));
        sessions.End(first.Id);
        var second = sessions.Begin("b", new BeginEviction(), Epoch);

        Assert.Equal(ErrorCode.Busy, busy.Code);
        Assert.True(second.Id > first.Id);
        Assert.Equal(Epoch, first.Epoch);
    }

    [Fact]
    public void Ending_an_unknown_session_is_not_found()
    {
        var sessions = new EvictionSessions();
        var none = Assert.Throws<ProtocolException>(() => sessions.End(9));
        var active = sessions.Begin("a", new BeginEviction(), Epoch);
        var wrong = Assert.Throws<ProtocolException>(() => sessions.End(active.Id + 1));

        Assert.Equal(ErrorCode.NotFound, none.Code);
        Assert.Equal("no eviction session 9: none is active", none.Message);
        Assert.Equal(ErrorCode.NotFound, wrong.Code);
        Assert.Same(active, sessions.Active);
    }

    [Fact]
    public void Only_the_owning_connection_abandons_a_session()
    {
        var sessions = new EvictionSessions();
        var active = sessions.Begin("owner", new BeginEviction(), Epoch);

        Assert.Null(sessions.Abandon("stranger"));
        Assert.Same(active, sessions.Abandon("owner"));
        Assert.Null(sessions.Active);
    }
}
