namespace GuestAssist.Linux.Transports;

/// <summary>A transport address string that does not parse; the message says why and what is accepted.</summary>
public sealed class TransportAddressFormatException : FormatException
{
    public TransportAddressFormatException(string input, string reason)
        : base($"invalid transport address \"{input}\": {reason}; expected one of {TransportAddress.Forms}")
    {
        Input = input;
        Reason = reason;
    }

    public string Input { get; }

    public string Reason { get; }
}
