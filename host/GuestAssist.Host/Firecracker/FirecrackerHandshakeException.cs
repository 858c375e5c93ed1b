namespace GuestAssist.Host.Firecracker;

/// <summary>A Firecracker UFFD handshake that was refused, and why.</summary>
public sealed class FirecrackerHandshakeException : Exception
{
    public FirecrackerHandshakeException(HandshakeFailure failure, string message, Exception? inner = null)
        : base($"Firecracker UFFD handshake refused ({failure}): {message}", inner)
    {
        Failure = failure;
    }

    public HandshakeFailure Failure { get; }
}
