namespace GuestAssist.Host.Destination;

/// <summary>The page server stayed unreachable past the outage deadline, or refused for good.</summary>
public sealed class TransferOutageException : IOException
{
    public TransferOutageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
