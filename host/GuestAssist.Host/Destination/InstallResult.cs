namespace GuestAssist.Host.Destination;

/// <summary>
/// What one Install/ZeroFill call did: frames this call installed, frames it left alone because they were
/// already received (or claimed by a concurrent install, or removed by the VMM), and whether the target is gone.
/// </summary>
public readonly record struct InstallResult(ulong Installed, ulong Skipped, bool TargetGone);
