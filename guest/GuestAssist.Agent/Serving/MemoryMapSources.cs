using GuestAssist.Agent.Configuration;
using GuestAssist.Guest.ProcFs;

namespace GuestAssist.Agent.Serving;

/// <summary>Picks the map source the daemon serves from: the frame scanner, or a stand-in saying why not.</summary>
internal static class MemoryMapSources
{
    public static IMemoryMapSource Create(AgentSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return ScannerMemoryMapSource.Create(new ProcFsPaths(settings.ProcRoot, settings.SysRoot), settings.HeatWindow, settings.Heat, settings.Damon);
    }
}
