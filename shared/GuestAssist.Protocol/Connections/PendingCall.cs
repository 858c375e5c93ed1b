using System.Threading.Channels;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Protocol.Connections;

/// <summary>A request awaiting its reply (one) or replies (a stream ended by a final one or an Error).</summary>
internal sealed class PendingCall
{
    private readonly TaskCompletionSource<Envelope>? _single;
    private readonly Channel<Envelope>? _stream;
    private readonly Func<Envelope, bool> _isFinal;

    private PendingCall(ulong id, Envelope.BodyOneofCase kind, bool streaming, Func<Envelope, bool>? isFinal)
    {
        Id = id;
        Kind = kind;
        _isFinal = isFinal ?? ReplyStreams.IsFinal;
        if (streaming)
        {
            // Unbounded so one slow consumer never stalls the reader for every other call; the peer only
            // streams what was asked for, in chunks bounded by the frame size.
            _stream = Channel.CreateUnbounded<Envelope>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        }
        else
        {
            _single = new TaskCompletionSource<Envelope>(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public ulong Id { get; }

    public Envelope.BodyOneofCase Kind { get; }

    public string Description => $"{Kind} request {Id}";

    public Task<Envelope> Reply => _single?.Task ?? throw new InvalidOperationException("streaming call");

    public ChannelReader<Envelope> Replies => _stream?.Reader ?? throw new InvalidOperationException("single-reply call");

    public static PendingCall Single(ulong id, Envelope.BodyOneofCase kind) => new(id, kind, false, null);

    public static PendingCall Streaming(ulong id, Envelope.BodyOneofCase kind, Func<Envelope, bool>? isFinal) => new(id, kind, true, isFinal);

    /// <summary>Delivers a reply; true when the call is complete and can be forgotten.</summary>
    public bool Deliver(Envelope reply)
    {
        var error = reply.BodyCase == Envelope.BodyOneofCase.Error
            ? RemoteErrorException.FromError(reply.Error, Description)
            : null;
        if (_single is not null)
        {
            if (error is not null)
            {
                _single.TrySetException(error);
            }
            else
            {
                _single.TrySetResult(reply);
            }
            return true;
        }
        if (error is not null)
        {
            _stream!.Writer.TryComplete(error);
            return true;
        }
        _stream!.Writer.TryWrite(reply);
        bool final;
        try
        {
            final = _isFinal(reply);
        }
#pragma warning disable CA1031 // The caller's predicate runs on the connection's reader: its failure ends this call only.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _stream.Writer.TryComplete(ex);
            return true;
        }
        if (final)
        {
            _stream.Writer.TryComplete();
            return true;
        }
        return false;
    }

    public void Fail(Exception exception)
    {
        _single?.TrySetException(exception);
        _stream?.Writer.TryComplete(exception);
    }
}
