namespace GuestAssist.Agent.Configuration;

/// <summary>A configuration value that cannot be used, naming where it came from.</summary>
public sealed class AgentConfigurationException(string origin, string message, Exception? inner = null)
    : Exception($"{origin}: {message}", inner)
{
    /// <summary>The layer and place, e.g. "/etc/guestassist/agent.conf line 3" or "kernel command line".</summary>
    public string Origin { get; } = origin;
}
