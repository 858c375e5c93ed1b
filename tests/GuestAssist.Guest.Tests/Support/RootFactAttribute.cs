using GuestAssist.Guest.Capabilities;
using GuestAssist.Guest.ProcFs;

namespace GuestAssist.Guest.Tests.Support;

/// <summary>A fact that needs root and /proc/kpageflags; skipped with the reason otherwise.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute() => Skip = SkipReason();

    /// <summary>Why a root test cannot run here; null when it can (shared with <see cref="RootTheoryAttribute"/>).</summary>
    internal static string? SkipReason() =>
        !OperatingSystem.IsLinux() ? "needs Linux"
        : CapabilityProbe.EffectiveUid(ProcFsPaths.Live) != 0 ? "needs root (kpageflags, kpagecount and pagemap PFNs need CAP_SYS_ADMIN)"
        : !File.Exists(ProcFsPaths.Live.KPageFlags) || !File.Exists(ProcFsPaths.Live.KPageCount) ? "needs CONFIG_PROC_PAGE_MONITOR (/proc/kpageflags, /proc/kpagecount)"
        : null;

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
