namespace GuestAssist.Host.Firecracker;

/// <summary>A Firecracker UFFD handshake that was refused, and why (one line: "Firecracker UFFD handshake refused (Failure): detail").</summary>
public sealed class FirecrackerHandshakeException : Exception
{
    public FirecrackerHandshakeException(HandshakeFailure failure, string detail, Exception? inner = null)
        : base($"Firecracker UFFD handshake refused ({failure}): {detail}", inner)
    {
        Failure = failure;
        Detail = detail;
    }

    public HandshakeFailure Failure { get; }

    /// <summary>What was wrong, without the "handshake refused" prefix (to add context without repeating it).</summary>
    public string Detail { get; }
}
