using GuestAssist.IntegrationTests.AgentProtocol.Support;
using GuestAssist.Protocol.V1;

namespace GuestAssist.IntegrationTests.AgentProtocol;

/// <summary>Everything one run of <see cref="ThrottlingChaosTests"/> draws from its Random, drawn before the run starts.</summary>
internal sealed record ChaosRunPlan(ChaosEnding Ending, ThrottleMethod Method, IReadOnlyList<Rogue> Rogues, TimeSpan KillAfter, bool ReleaseByPid)
{
    public override string ToString() =>
        $"{Ending} of rogue(s) {string.Join(", ", Rogues.Select(r => r.Pid))} held by {Method}"
        + (Ending == ChaosEnding.AgentSigkillAtRandomMoment ? $", killed {KillAfter.TotalMilliseconds:F0} ms after the throttle began" : "")
        + (Ending == ChaosEnding.ReleaseThrottle ? (ReleaseByPid ? ", released by pid" : ", released all") : "");
}
