namespace GuestAssist.Host.Transfer;

/// <summary>TLS with the page server failed (an untrusted certificate, no TLS there): permanent, not an outage to wait out.</summary>
public sealed class TransferTlsException : TransferProtocolException
{
    public TransferTlsException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
