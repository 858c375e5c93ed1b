using GuestAssist.Host.Destination;

namespace GuestAssist.Host.Tests.Destination;

/// <summary>
/// Confirmations written on a connection that is then replaced go again on the new one: a write that succeeded can
/// still die with its connection unread, and the source frees its copy only for what it read.
/// </summary>
public sealed class InstalledConfirmationsTests
{
    [Fact]
    public void Runs_written_on_a_replaced_connection_are_pending_again_merged_with_the_new_ones()
    {
        var confirmations = new InstalledConfirmations(everyFrames: 1, TimeSpan.FromHours(1));
        confirmations.Add(0, 32);
        confirmations.Add(32, 32);
        var first = confirmations.TakeIfDue(force: false);
        Assert.Equal([(0UL, 64UL)], first);
        confirmations.Written(first);
        Assert.False(confirmations.HasPending);

        confirmations.ConnectionReplaced();
        confirmations.Add(64, 16);

        Assert.Equal([(0UL, 80UL)], confirmations.TakeIfDue(force: true));
    }

    [Fact]
    public void What_the_current_connection_carried_is_not_sent_twice_while_it_lives()
    {
        var confirmations = new InstalledConfirmations(everyFrames: 1, TimeSpan.FromHours(1));
        confirmations.Add(0, 8);
        confirmations.Written(confirmations.TakeIfDue(force: true));
        confirmations.Add(100, 8);
        confirmations.Written(confirmations.TakeIfDue(force: true));

        Assert.Empty(confirmations.TakeIfDue(force: true));
        confirmations.ConnectionReplaced();
        Assert.Equal([(0UL, 8UL), (100UL, 8UL)], confirmations.TakeIfDue(force: true));
        confirmations.ConnectionReplaced(); // nothing was written on the connection in between
        Assert.Empty(confirmations.TakeIfDue(force: true));
    }
}
