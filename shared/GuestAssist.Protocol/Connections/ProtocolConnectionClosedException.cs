namespace GuestAssist.Protocol.Connections;

/// <summary>The connection ended (peer EOF, broken framing, local close) before the operation completed.</summary>
public sealed class ProtocolConnectionClosedException : IOException
{
    public ProtocolConnectionClosedException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
