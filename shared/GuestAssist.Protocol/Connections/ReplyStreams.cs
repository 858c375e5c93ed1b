using GuestAssist.Protocol.V1;

namespace GuestAssist.Protocol.Connections;

/// <summary>When a streamed reply is complete.</summary>
internal static class ReplyStreams
{
    /// <summary>
    /// Default end-of-stream rule: a memory-map chunk ends the stream when flagged last; any other
    /// reply (Ack, Error, a single answer) is the only and final one.
    /// </summary>
    public static bool IsFinal(Envelope reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        return reply.BodyCase switch
        {
            Envelope.BodyOneofCase.MemoryMapChunk => reply.MemoryMapChunk.Last,
            _ => true,
        };
    }
}
