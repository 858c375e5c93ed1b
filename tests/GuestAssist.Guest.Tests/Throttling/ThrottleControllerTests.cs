using GuestAssist.Guest.Throttling;

namespace GuestAssist.Guest.Tests.Throttling;

public sealed class ThrottleControllerTests
{
    private const double MiB = 1024 * 1024;

    private static readonly ThrottlePolicy Policy = new(100 * MiB, ThrottlePolicy.DefaultPeriod, ThrottlePolicy.DefaultMaxStop, [], [], []);

    [Fact]
    public void A_rogue_above_the_budget_gets_the_duty_that_brings_it_to_the_budget_and_a_neighbour_below_is_left_alone()
    {
        var controller = new ThrottleController();

        var duties = controller.Update(Policy, [new(10, 1000 * MiB, "test"), new(11, 20 * MiB, "test")]);

        Assert.Equal(0.1, duties[10], 3);
        Assert.False(duties.ContainsKey(11));
    }

    [Fact]
    public void Duty_follows_the_measured_rate_and_is_released_once_the_rogue_calms_down()
    {
        var controller = new ThrottleController();
        controller.Update(Policy, [new(10, 1000 * MiB, "test")]);

        // At duty 0.1 it dirties 150 MiB/s: it would do 1.5 GiB/s unthrottled; the next duty moves halfway (geometrically) towards 1/15.
        var tighter = controller.Update(Policy, [new(10, 150 * MiB, "test")]);
        Assert.InRange(tighter[10], 0.066, 0.1);

        // Now it barely writes: at full duty it would stay well under the budget, so it is released.
        var released = controller.Update(Policy, [new(10, 0.5 * MiB, "test")]);
        Assert.Empty(released);
    }

    [Fact]
    public void Two_rogues_share_the_budget_and_the_duty_never_falls_below_the_minimum()
    {
        var controller = new ThrottleController();

        var duties = controller.Update(Policy, [new(10, 500 * MiB, "test"), new(11, 100_000 * MiB, "test")]);

        Assert.Equal(0.1, duties[10], 3);
        Assert.Equal(Policy.MinimumDuty, duties[11]);
    }

    [Fact]
    public void Within_the_hysteresis_band_a_process_is_not_throttled()
    {
        var controller = new ThrottleController();

        Assert.Empty(controller.Update(Policy, [new(10, 105 * MiB, "test")]));
        Assert.NotEmpty(controller.Update(Policy, [new(10, 115 * MiB, "test")]));
    }
}
