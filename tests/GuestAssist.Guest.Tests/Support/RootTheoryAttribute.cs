using GuestAssist.Guest.Capabilities;
using GuestAssist.Guest.ProcFs;

namespace GuestAssist.Guest.Tests.Support;

/// <summary>A fact that needs root and /proc/kpageflags; skipped with the reason otherwise.</summary>
public sealed class RootTheoryAttribute : TheoryAttribute
{
    public RootTheoryAttribute()
    {
        if (!OperatingSystem.IsLinux())
        {
            Skip = "needs Linux";
        }
        else if (CapabilityProbe.EffectiveUid(ProcFsPaths.Live) != 0)
        {
            Skip = "needs root (kpageflags, kpagecount and pagemap PFNs need CAP_SYS_ADMIN)";
        }
        else if (!File.Exists(ProcFsPaths.Live.KPageFlags) || !File.Exists(ProcFsPaths.Live.KPageCount))
        {
            Skip = "needs CONFIG_PROC_PAGE_MONITOR (/proc/kpageflags, /proc/kpagecount)";
        }
    }

    /// <summary>Also skip when perl (used for child processes) is missing.</summary>
    public bool NeedsPerl
    {
        get => false;
        init
        {
            if (value && Skip is null && !PerlChild.Available)
            {
                Skip = "needs perl for the child process";
            }
        }
    }
}
