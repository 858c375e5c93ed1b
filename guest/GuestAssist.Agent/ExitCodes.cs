namespace GuestAssist.Agent;

/// <summary>
/// The exit codes of every `guestassist-agent` command (README, "Exit codes"): a script can tell a usage mistake
/// from an unreachable peer from a refusal without reading the message.
/// </summary>
internal static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Ok = 0;

    /// <summary>The peer refused (handshake, authentication, a typed refusal) or the result failed its check.</summary>
    public const int Refused = 1;

    /// <summary>Usage or configuration error: nothing was attempted.</summary>
    public const int Usage = 2;

    /// <summary>A peer, file or kernel facility the command needs cannot be reached or is missing.</summary>
    public const int Unavailable = 3;

    /// <summary>The operation started and failed part-way (I/O error, outage past its deadline).</summary>
    public const int Failed = 4;

    /// <summary>Cancelled (SIGINT/SIGTERM), cleaned up.</summary>
    public const int Cancelled = 130;
}
