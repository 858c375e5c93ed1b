namespace GuestAssist.Protocol.Connections;

/// <summary>
/// Serves requests arriving on a <see cref="ProtocolConnection"/>. Reply through
/// <see cref="IncomingRequest.ReplyAsync"/> (several times for a stream); a thrown exception becomes an
/// Error reply via <see cref="ProtocolErrorMapper"/>, and the connection keeps serving.
/// </summary>
public interface IRequestHandler
{
    ValueTask HandleAsync(IncomingRequest request, CancellationToken cancellationToken);
}
