using GuestAssist.Protocol.Framing;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Protocol.Handshake;

/// <summary>The two sides share no protocol version (or the peer picked one outside our range).</summary>
public sealed class VersionMismatchException : ProtocolException
{
    public VersionMismatchException(string message, VersionRange local, VersionRange? remote, Exception? inner = null)
        : base(ErrorCode.VersionMismatch, message, inner)
    {
        Local = local;
        Remote = remote;
    }

    public VersionRange Local { get; }

    /// <summary>The peer's range when it is known (it is not when the peer refused our Hello).</summary>
    public VersionRange? Remote { get; }
}
