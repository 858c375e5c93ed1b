namespace GuestAssist.Host.Destination;

/// <summary>
/// What one Install/ZeroFill call did: frames this call installed; frames it left alone because the destination
/// already held them (installed, claimed by a concurrent install, zero-filled or removed: see <see cref="HeldFrames"/>);
/// frames the kernel already had mapped although this destination had not installed them (EEXIST); and whether the
/// target is gone.
/// </summary>
public readonly record struct InstallResult(ulong Installed, ulong AlreadyHeld, ulong AlreadyPresent, bool TargetGone);
