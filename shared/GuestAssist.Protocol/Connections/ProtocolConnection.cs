using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using System.Runtime.CompilerServices;
using GuestAssist.Protocol.Framing;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Protocol.Connections;

/// <summary>
/// Request/reply and push messaging over any duplex stream. Requests get fresh ids and are matched to
/// replies by reply_to, in any order; a reply carrying an Error throws <see cref="RemoteErrorException"/>;
/// messages with id 0 and reply_to 0 are pushes (<see cref="Pushes"/>); other incoming messages are
/// requests for <see cref="ProtocolConnectionOptions.RequestHandler"/>. When the connection ends, every
/// pending call fails with <see cref="ProtocolConnectionClosedException"/>. All members are thread-safe.
/// </summary>
public sealed class ProtocolConnection : IAsyncDisposable
{
    private static readonly TimeSpan PartingErrorTimeout = TimeSpan.FromSeconds(2);

    private readonly Stream _stream;
    private readonly ProtocolConnectionOptions _options;
    private readonly FrameReader _reader;
    private readonly FrameWriter _writer;
    private readonly ConcurrentDictionary<ulong, PendingCall> _pending = new();
    private readonly Subject<Envelope> _pushes = new();
    private readonly CancellationTokenSource _shutdown = new();
    private readonly SemaphoreSlim _handlerSlots;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _stateLock = new();
    private long _nextId;
    private long _malformedFrames;
    private long _droppedReplies;
    private long _lastReceivedTimestamp = System.Diagnostics.Stopwatch.GetTimestamp();
    private bool _closed;
    private Exception? _closeReason;
    private Error? _lastPeerError;
    private Task? _readLoop;
    private int _disposed;

    public ProtocolConnection(Stream stream, ProtocolConnectionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _options = options ?? new ProtocolConnectionOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_options.MaxConcurrentRequests);
        _reader = new FrameReader(stream, _options.MaxFrameSize);
        _writer = new FrameWriter(stream, _options.MaxFrameSize);
        _handlerSlots = new SemaphoreSlim(_options.MaxConcurrentRequests, _options.MaxConcurrentRequests);
    }

    public string Name => _options.Name;

    /// <summary>Unsolicited messages from the peer (heartbeats, throttle status, connection-level errors). Completes when the connection ends.</summary>
    public IObservable<Envelope> Pushes => _pushes.AsObservable();

    /// <summary>Completes (never faults) when the connection has ended; see <see cref="CloseReason"/>.</summary>
    public Task Completion => _completion.Task;

    public bool IsClosed
    {
        get
        {
            lock (_stateLock)
            {
                return _closed;
            }
        }
    }

    /// <summary>Why the connection ended: peer EOF, a framing error, an I/O failure or a local close.</summary>
    public Exception? CloseReason
    {
        get
        {
            lock (_stateLock)
            {
                return _closeReason;
            }
        }
    }

    public int PendingRequests => _pending.Count;

    /// <summary>The peer's requests being handled right now.</summary>
    public int RequestsInProgress => _options.MaxConcurrentRequests - _handlerSlots.CurrentCount;

    /// <summary>How long ago the last frame arrived from the peer (or the connection was created).</summary>
    public TimeSpan SinceLastReceived => System.Diagnostics.Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastReceivedTimestamp));

    /// <summary>Frames from the peer that were dropped because their payload was not an Envelope.</summary>
    public long MalformedFrames => Interlocked.Read(ref _malformedFrames);

    /// <summary>Replies that matched no pending call (late after a timeout or cancellation, or bogus).</summary>
    public long DroppedReplies => Interlocked.Read(ref _droppedReplies);

    /// <summary>Starts reading; idempotent. Requests start the connection on their own.</summary>
    public ProtocolConnection Start()
    {
        lock (_stateLock)
        {
            _readLoop ??= Task.Run(ReadLoopAsync);
        }
        return this;
    }

    /// <summary>Sends a copy of <paramref name="request"/> with a fresh id and waits for its one reply.</summary>
    public async Task<Envelope> RequestAsync(Envelope request, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var outgoing = PrepareRequest(request);
        var call = PendingCall.Single(outgoing.Id, outgoing.BodyCase);
        Register(call);
        try
        {
            await SendAsync(outgoing, cancellationToken).ConfigureAwait(false);
            var limit = timeout ?? _options.DefaultRequestTimeout;
            try
            {
                return await call.Reply.WaitAsync(limit, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException ex)
            {
                throw new TimeoutException($"{Name}: no reply to {call.Description} within {limit}", ex);
            }
        }
        finally
        {
            _pending.TryRemove(call.Id, out _);
        }
    }

    /// <summary>
    /// Sends a request whose answer is a stream of replies (e.g. memory-map chunks) and yields them until
    /// <paramref name="isFinal"/> (default <see cref="ReplyStreams.IsFinal"/>) says the stream is done. An
    /// Error reply throws <see cref="RemoteErrorException"/>; <paramref name="itemTimeout"/> bounds the wait for each reply.
    /// </summary>
    public async IAsyncEnumerable<Envelope> RequestStreamAsync(
        Envelope request,
        TimeSpan? itemTimeout = null,
        Func<Envelope, bool>? isFinal = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var outgoing = PrepareRequest(request);
        var call = PendingCall.Streaming(outgoing.Id, outgoing.BodyCase, isFinal);
        Register(call);
        try
        {
            await SendAsync(outgoing, cancellationToken).ConfigureAwait(false);
            var limit = itemTimeout ?? _options.DefaultRequestTimeout;
            var received = 0;
            while (true)
            {
                bool more;
                try
                {
                    more = await call.Replies.WaitToReadAsync(cancellationToken).AsTask().WaitAsync(limit, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException ex)
                {
                    throw new TimeoutException($"{Name}: no reply {received + 1} to {call.Description} within {limit}", ex);
                }
                if (!more)
                {
                    yield break;
                }
                while (call.Replies.TryRead(out var reply))
                {
                    received++;
                    yield return reply;
                }
            }
        }
        finally
        {
            _pending.TryRemove(call.Id, out _);
        }
    }

    /// <summary><see cref="RequestStreamAsync"/> as an observable; each subscription sends the request once.</summary>
    public IObservable<Envelope> ObserveRequest(Envelope request, TimeSpan? itemTimeout = null, Func<Envelope, bool>? isFinal = null) =>
        Observable.Create<Envelope>(async (observer, cancellationToken) =>
        {
            await foreach (var reply in RequestStreamAsync(request, itemTimeout, isFinal, cancellationToken).ConfigureAwait(false))
            {
                observer.OnNext(reply);
            }
            observer.OnCompleted();
        });

    /// <summary>Sends an unsolicited message (id 0, reply_to 0), e.g. a heartbeat or throttle status.</summary>
    public ValueTask SendPushAsync(Envelope message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var outgoing = message.Clone();
        outgoing.Id = 0;
        outgoing.ReplyTo = 0;
        Start();
        return SendAsync(outgoing, cancellationToken);
    }

    internal ValueTask SendReplyAsync(ulong replyTo, Envelope reply, CancellationToken cancellationToken)
    {
        var outgoing = reply.Clone();
        outgoing.Id = NextId();
        outgoing.ReplyTo = replyTo;
        return SendAsync(outgoing, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        Close(new ObjectDisposedException(Name, $"{Name}: the connection was closed locally"));
        Task? readLoop;
        lock (_stateLock)
        {
            readLoop = _readLoop;
        }
        if (!_options.LeaveOpen)
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
        }
        if (readLoop is not null)
        {
            await readLoop.ConfigureAwait(false);
        }
        else
        {
            _pushes.OnCompleted();
            _completion.TrySetResult();
        }
        _reader.Dispose();
        _shutdown.Dispose();
        _pushes.Dispose();
    }

    private Envelope PrepareRequest(Envelope request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.BodyCase == Envelope.BodyOneofCase.None)
        {
            throw new ArgumentException("a request needs a body", nameof(request));
        }
        var outgoing = request.Clone();
        outgoing.Id = NextId();
        outgoing.ReplyTo = 0;
        Start();
        return outgoing;
    }

    private ulong NextId() => (ulong)Interlocked.Increment(ref _nextId);

    private void Register(PendingCall call)
    {
        lock (_stateLock)
        {
            if (_closed)
            {
                throw ClosedFor(call.Description, _closeReason);
            }
            _pending[call.Id] = call;
        }
    }

    private async ValueTask SendAsync(Envelope envelope, CancellationToken cancellationToken)
    {
        Exception? reason;
        lock (_stateLock)
        {
            reason = _closed ? _closeReason : null;
        }
        if (reason is not null)
        {
            throw ClosedFor($"sending {envelope.BodyCase}", reason);
        }
        try
        {
            await _writer.WriteAsync(envelope, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or SocketException)
        {
            Close(ex);
            throw ClosedFor($"sending {envelope.BodyCase}", CloseReason ?? ex);
        }
    }

    private async Task ReadLoopAsync()
    {
        Exception? failure = null;
        try
        {
            while (true)
            {
                Envelope? envelope;
                try
                {
                    envelope = await _reader.ReadAsync(_shutdown.Token).ConfigureAwait(false);
                }
                catch (ProtocolException ex) when (!_reader.IsFaulted)
                {
                    // The payload was bad but the framing is intact: tell the peer and keep serving.
                    Interlocked.Increment(ref _malformedFrames);
                    _ = SendQuietlyAsync(new Envelope { Error = ProtocolErrorMapper.ToError(ex) });
                    continue;
                }
                if (envelope is null)
                {
                    break;
                }
                Interlocked.Exchange(ref _lastReceivedTimestamp, System.Diagnostics.Stopwatch.GetTimestamp());
                await DispatchAsync(envelope).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_shutdown.IsCancellationRequested)
        {
        }
        catch (ProtocolException ex)
        {
            failure = ex;
            // The stream can no longer be split into frames: a parting error, then close.
            await SendQuietlyAsync(new Envelope { Error = ProtocolErrorMapper.ToError(ex) })
                .WaitAsync(PartingErrorTimeout)
                .ContinueWith(static _ => { }, TaskScheduler.Default)
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or SocketException)
        {
            failure = ex;
        }
        finally
        {
            Close(failure ?? PeerClosed());
            if (!_options.LeaveOpen)
            {
                // The peer learns of the end by EOF; a stream we cannot frame is of no further use.
                await _stream.DisposeAsync().ConfigureAwait(false);
            }
            _pushes.OnCompleted();
            _completion.TrySetResult();
        }
    }

    private async ValueTask DispatchAsync(Envelope envelope)
    {
        if (envelope.ReplyTo != 0)
        {
            if (_pending.TryGetValue(envelope.ReplyTo, out var call))
            {
                if (call.Deliver(envelope))
                {
                    _pending.TryRemove(envelope.ReplyTo, out _);
                }
            }
            else
            {
                Interlocked.Increment(ref _droppedReplies);
            }
            return;
        }
        if (envelope.Id == 0)
        {
            if (IsRequestOnly(envelope.BodyCase))
            {
                // A request nobody could answer by reply_to: say so as a connection-level error instead of dropping it.
                _ = SendQuietlyAsync(new Envelope { Error = new Error { Code = ErrorCode.InvalidArgument,
                    Message = $"{envelope.BodyCase} request with id 0: requests need a non-zero id (0 marks a push)" } });
                return;
            }
            Push(envelope);
            return;
        }
        if (envelope.BodyCase == Envelope.BodyOneofCase.None)
        {
            _ = SendQuietlyAsync(ErrorReply(envelope.Id, ErrorCode.UnknownMessage,
                $"request {envelope.Id} carries no body this side knows (a newer message kind?)"));
            return;
        }
        var handler = _options.RequestHandler;
        if (handler is null)
        {
            _ = SendQuietlyAsync(ErrorReply(envelope.Id, ErrorCode.Unsupported,
                $"{Name} serves no requests ({envelope.BodyCase} request {envelope.Id})"));
            return;
        }
        var shutdown = _shutdown.Token;
        await _handlerSlots.WaitAsync(shutdown).ConfigureAwait(false);
        if (envelope.BodyCase == Envelope.BodyOneofCase.Hello)
        {
            // Hello settles what every later request may do: requests pipelined behind it (even in the same
            // write) are read only after its handler has finished, so they never race ahead of it.
            await RunHandlerAsync(handler, new IncomingRequest(this, envelope), shutdown).ConfigureAwait(false);
            return;
        }
        _ = Task.Run(() => RunHandlerAsync(handler, new IncomingRequest(this, envelope), shutdown));
    }

    /// <summary>Kinds that are only ever requests, never pushes (Heartbeat and Error may be either).</summary>
    private static bool IsRequestOnly(Envelope.BodyOneofCase kind) => kind is
        Envelope.BodyOneofCase.Hello or Envelope.BodyOneofCase.GetStatus or Envelope.BodyOneofCase.GetMemoryMap or
        Envelope.BodyOneofCase.BeginEviction or Envelope.BodyOneofCase.EndEviction or Envelope.BodyOneofCase.DirtyFrames or
        Envelope.BodyOneofCase.SetThrottlePolicy or Envelope.BodyOneofCase.ReleaseThrottle;

    private async Task RunHandlerAsync(IRequestHandler handler, IncomingRequest request, CancellationToken shutdown)
    {
        try
        {
            await handler.HandleAsync(request, shutdown).ConfigureAwait(false);
            if (!request.HasReplied)
            {
                await SendQuietlyAsync(ErrorReply(request.Id, ErrorCode.Internal,
                    $"the handler for {request.Kind} request {request.Id} returned without replying")).ConfigureAwait(false);
            }
        }
#pragma warning disable CA1031 // The one exception→Error mapper: nothing a handler throws may cross the wire.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            await SendQuietlyAsync(new Envelope { ReplyTo = request.Id, Error = ProtocolErrorMapper.ToError(ex) }).ConfigureAwait(false);
        }
        finally
        {
            _handlerSlots.Release();
        }
    }

    private void Push(Envelope envelope)
    {
        if (envelope.BodyCase == Envelope.BodyOneofCase.Error)
        {
            lock (_stateLock)
            {
                _lastPeerError = envelope.Error;
            }
        }
        try
        {
            _pushes.OnNext(envelope);
        }
#pragma warning disable CA1031 // A subscriber's failure must not end the connection for every other caller.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>Best-effort send of a reply or error (fresh id unless it is a push); a closed connection is not an error here.</summary>
    private async Task SendQuietlyAsync(Envelope envelope)
    {
        if (envelope.ReplyTo != 0)
        {
            envelope.Id = NextId();
        }
        try
        {
            await SendAsync(envelope, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ProtocolConnectionClosedException or ProtocolException or ObjectDisposedException)
        {
        }
    }

    private static Envelope ErrorReply(ulong replyTo, ErrorCode code, string message) =>
        new() { ReplyTo = replyTo, Error = new Error { Code = code, Message = message } };

    private Exception PeerClosed()
    {
        Error? lastError;
        lock (_stateLock)
        {
            lastError = _lastPeerError;
        }
        return new EndOfStreamException(
            $"{Name}: the peer closed the connection",
            lastError is null ? null : RemoteErrorException.FromError(lastError));
    }

    private void Close(Exception reason)
    {
        lock (_stateLock)
        {
            if (_closed)
            {
                return;
            }
            _closed = true;
            _closeReason = reason;
        }
        foreach (var call in _pending.Values)
        {
            call.Fail(ClosedFor(call.Description, reason));
        }
        _pending.Clear();
        _shutdown.Cancel();
    }

    private ProtocolConnectionClosedException ClosedFor(string what, Exception? reason) =>
        new($"{Name}: {what} failed: {reason?.Message ?? "the connection is closed"}", reason);
}
