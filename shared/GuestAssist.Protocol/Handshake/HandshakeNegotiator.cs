using GuestAssist.Protocol.Connections;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Protocol.Handshake;

/// <summary>
/// Hello/HelloAck. The side that opened the connection sends Hello with its range and capabilities;
/// the other answers HelloAck with the highest common version and the capability intersection, or an
/// Error VERSION_MISMATCH naming both ranges. Both sides end with the same version and capabilities and
/// each knows what the other lacks.
/// </summary>
internal static class HandshakeNegotiator
{
    public static Hello CreateHello(HandshakeOffer local)
    {
        ArgumentNullException.ThrowIfNull(local);
        var hello = new Hello { MinVersion = local.Versions.Min, MaxVersion = local.Versions.Max, Software = local.Software };
        hello.Capabilities.AddRange(local.Capabilities);
        return hello;
    }

    /// <summary>Answering side: negotiates against <paramref name="hello"/>; throws <see cref="VersionMismatchException"/> on disjoint ranges.</summary>
    public static NegotiatedSession Accept(HandshakeOffer local, Hello hello, out HelloAck ack)
    {
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(hello);
        VersionRange remote;
        try
        {
            remote = new VersionRange(hello.MinVersion, hello.MaxVersion);
        }
        catch (ArgumentException ex)
        {
            throw new VersionMismatchException($"the peer's Hello is unusable: {ex.Message}", local.Versions, null, ex);
        }
        var version = local.Versions.HighestCommon(remote)
            ?? throw new VersionMismatchException(
                $"no common protocol version: {Name(local.Software, "the answering side")} speaks {local.Versions}, {Name(hello.Software, "the opening side")} speaks {remote}",
                local.Versions,
                remote);
        var theirs = hello.Capabilities.ToHashSet(StringComparer.Ordinal);
        var session = new NegotiatedSession(
            version,
            [.. local.Capabilities.Where(theirs.Contains)],
            MissingHere: [.. theirs.Except(local.Capabilities, StringComparer.Ordinal).Order(StringComparer.Ordinal)],
            MissingThere: [.. local.Capabilities.Where(c => !theirs.Contains(c))],
            hello.Software);
        ack = new HelloAck { Version = version, Software = local.Software };
        ack.Capabilities.AddRange(session.Capabilities);
        ack.MissingHere.AddRange(session.MissingHere);
        ack.MissingThere.AddRange(session.MissingThere);
        return session;
    }

    /// <summary>Opening side: reads the peer's answer and checks it is consistent with what we offered.</summary>
    public static NegotiatedSession Complete(HandshakeOffer local, HelloAck ack)
    {
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(ack);
        if (!local.Versions.Contains(ack.Version))
        {
            throw new VersionMismatchException(
                $"the peer ({Name(ack.Software, "unnamed")}) chose protocol version {ack.Version}, outside this side's range {local.Versions}",
                local.Versions,
                null);
        }
        var ours = local.Capabilities.ToHashSet(StringComparer.Ordinal);
        var extra = ack.Capabilities.Where(c => !ours.Contains(c)).ToList();
        if (extra.Count > 0)
        {
            throw new Framing.ProtocolException(
                ErrorCode.InvalidArgument,
                $"the peer ({Name(ack.Software, "unnamed")}) agreed to capabilities this side never offered: {string.Join(", ", extra)}");
        }
        // The ack is written from the answering side: its "missing here" is what we have and it lacks.
        return new NegotiatedSession(
            ack.Version,
            [.. ack.Capabilities],
            MissingHere: [.. ack.MissingThere],
            MissingThere: [.. ack.MissingHere],
            ack.Software);
    }

    /// <summary>Opening side over a connection: Hello, await HelloAck, negotiate.</summary>
    public static async Task<NegotiatedSession> HelloAsync(
        ProtocolConnection connection,
        HandshakeOffer local,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(local);
        Envelope reply;
        try
        {
            reply = await connection.RequestAsync(new Envelope { Hello = CreateHello(local) }, timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (RemoteErrorException ex) when (ex.Code == ErrorCode.VersionMismatch)
        {
            throw new VersionMismatchException(
                $"the peer refused this side's protocol versions {local.Versions}: {ex.RemoteMessage}",
                local.Versions,
                null,
                ex);
        }
        if (reply.BodyCase != Envelope.BodyOneofCase.HelloAck)
        {
            throw new Framing.ProtocolException(ErrorCode.MalformedFrame, $"expected HelloAck in reply to Hello, got {reply.BodyCase}");
        }
        return Complete(local, reply.HelloAck);
    }

    /// <summary>Answering side, from a request handler: replies HelloAck, or lets the mismatch propagate to become an Error reply.</summary>
    public static async ValueTask<NegotiatedSession> AnswerAsync(
        IncomingRequest request,
        HandshakeOffer local,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Kind != Envelope.BodyOneofCase.Hello)
        {
            throw new ArgumentException($"expected a Hello request, got {request.Kind}", nameof(request));
        }
        var session = Accept(local, request.Envelope.Hello, out var ack);
        await request.ReplyAsync(new Envelope { HelloAck = ack }, cancellationToken).ConfigureAwait(false);
        return session;
    }

    private static string Name(string software, string fallback) => string.IsNullOrEmpty(software) ? fallback : software;
}
