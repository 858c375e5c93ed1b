using GuestAssist.Protocol.V1;

namespace GuestAssist.Protocol.Framing;

/// <summary>Malformed, oversized, truncated or otherwise unacceptable protocol input, with the wire error code to report.</summary>
public class ProtocolException : Exception
{
    public ProtocolException(ErrorCode code, string message, Exception? inner = null)
        : base(message, inner) => Code = code;

    public ErrorCode Code { get; }
}
