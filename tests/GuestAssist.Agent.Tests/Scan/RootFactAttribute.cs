using GuestAssist.Guest.Capabilities;
using GuestAssist.Guest.ProcFs;

namespace GuestAssist.Agent.Tests.Scan;

/// <summary>A fact that needs root and /proc/kpageflags; skipped with the reason otherwise.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!OperatingSystem.IsLinux() || CapabilityProbe.EffectiveUid(ProcFsPaths.Live) != 0)
        {
            Skip = "needs root on Linux (kpageflags, kpagecount)";
        }
        else if (!File.Exists(ProcFsPaths.Live.KPageFlags))
        {
            Skip = "needs CONFIG_PROC_PAGE_MONITOR (/proc/kpageflags)";
        }
    }
}
