using GuestAssist.Protocol.V1;

namespace GuestAssist.Protocol.Connections;

/// <summary>A request received from the peer, with the means to answer it.</summary>
public sealed class IncomingRequest
{
    private readonly ProtocolConnection _connection;
    private int _replies;

    internal IncomingRequest(ProtocolConnection connection, Envelope envelope)
    {
        _connection = connection;
        Envelope = envelope;
    }

    public Envelope Envelope { get; }

    public ulong Id => Envelope.Id;

    public Envelope.BodyOneofCase Kind => Envelope.BodyCase;

    public ProtocolConnection Connection => _connection;

    public bool HasReplied => Volatile.Read(ref _replies) > 0;

    /// <summary>Sends <paramref name="reply"/> answering this request (call repeatedly for a stream).</summary>
    public ValueTask ReplyAsync(Envelope reply, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reply);
        Interlocked.Increment(ref _replies);
        return _connection.SendReplyAsync(Envelope.Id, reply, cancellationToken);
    }

    public ValueTask ReplyErrorAsync(ErrorCode code, string message, string detail = "", CancellationToken cancellationToken = default) =>
        ReplyAsync(new Envelope { Error = new Error { Code = code, Message = message, Detail = detail } }, cancellationToken);

    public ValueTask ReplyAckAsync(CancellationToken cancellationToken = default) =>
        ReplyAsync(new Envelope { Ack = new Ack() }, cancellationToken);
}
