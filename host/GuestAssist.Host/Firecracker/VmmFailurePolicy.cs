namespace GuestAssist.Host.Firecracker;

/// <summary>
/// What to do with the VMM when its handshake is refused. Releasing is not an option: Firecracker keeps its
/// own reference to the uffd, so closing ours leaves every vCPU fault blocked forever. The VMM is killed
/// (SIGKILL to the SO_PEERCRED pid), as Firecracker's own tests expect of a handler that cannot serve.
/// </summary>
public enum VmmFailurePolicy
{
    /// <summary>SIGKILL the VMM (default).</summary>
    Kill,

    /// <summary>Leave the VMM alone (tests, or a supervisor that handles it); it will hang on its first fault.</summary>
    Ignore,
}
