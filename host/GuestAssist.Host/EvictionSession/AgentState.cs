namespace GuestAssist.Host.EvictionSession;

/// <summary>The guest agent's part in the session. Losing it never stops the migration.</summary>
public enum AgentState
{
    /// <summary>No agent address was given.</summary>
    None,

    /// <summary>Given but not reached (or Hello failed): the plan is address order.</summary>
    Unavailable,

    Connected,

    /// <summary>Reached, then lost mid-session: the migration goes on with what it has; the agent releases its throttles on its side.</summary>
    Lost,

    /// <summary>The eviction session with the agent was ended (throttles released).</summary>
    Ended,
}
