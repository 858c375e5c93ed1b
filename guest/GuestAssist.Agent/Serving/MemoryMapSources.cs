using GuestAssist.Agent.Configuration;

namespace GuestAssist.Agent.Serving;

/// <summary>Picks the map source the daemon serves from.</summary>
internal static class MemoryMapSources
{
    public static IMemoryMapSource Create(AgentSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new UnavailableMemoryMapSource("the frame scanner is not part of this build yet; serving status and heartbeats only");
    }
}
