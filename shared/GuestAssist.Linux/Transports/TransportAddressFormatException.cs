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

    /// <summary>An address of the grammar that this use cannot take; <paramref name="accepted"/> lists the forms it can.</summary>
    internal TransportAddressFormatException(string input, string reason, string accepted)
        : base($"invalid transport address \"{input}\": {reason}; expected one of {accepted}")
    {
        Input = input;
        Reason = reason;
    }

    public string Input { get; }

    public string Reason { get; }
}
