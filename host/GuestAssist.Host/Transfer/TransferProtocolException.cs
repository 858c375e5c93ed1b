namespace GuestAssist.Host.Transfer;

/// <summary>A page-transfer peer sent something malformed, oversized or out of sequence.</summary>
public class TransferProtocolException : Exception
{
    public TransferProtocolException(string message)
        : base(message)
    {
    }

    public TransferProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
