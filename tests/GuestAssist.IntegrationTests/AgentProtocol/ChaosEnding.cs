namespace GuestAssist.IntegrationTests.AgentProtocol;

/// <summary>How one run of <see cref="ThrottlingChaosTests"/> ends a throttle.</summary>
public enum ChaosEnding
{
    /// <summary>The host ends the eviction session.</summary>
    EndEviction,

    /// <summary>The host releases the throttled processes (by pid, or all with an empty list) and keeps the session.</summary>
    ReleaseThrottle,

    /// <summary>The host closes its connection cleanly.</summary>
    HostClose,

    /// <summary>The host's TCP connection is reset (SO_LINGER 0, then close: an RST, no FIN).</summary>
    HostReset,

    /// <summary>The host stops sending heartbeats to a session that asked for a short timeout.</summary>
    HeartbeatLoss,

    /// <summary>The agent is asked to stop (SIGTERM).</summary>
    AgentSigterm,

    /// <summary>The agent is killed (SIGKILL) once the throttle holds: only the sentinel can continue the rogues.</summary>
    AgentSigkill,

    /// <summary>The agent is killed 0–300 ms after the throttle began, wherever the duty cycle is (often mid-stop).</summary>
    AgentSigkillAtRandomMoment,
}
