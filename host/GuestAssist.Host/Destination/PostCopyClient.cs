using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using GuestAssist.Host.Layout;
using GuestAssist.Host.Transfer;
using GuestAssist.Linux.Threading;

namespace GuestAssist.Host.Destination;

/// <summary>
/// The destination side of post-copy: connects the urgent and the background channel to a page server, sends an
/// urgent request per demand fault (IPageRequester), and installs every page that arrives on either channel through
/// the sink. The client keeps no record of its own: the sink owns the destination's <see cref="HeldFrames"/> and claims
/// each frame there before installing it, so a page delivered twice (urgent and background, resent after a reconnect,
/// or one the destination zero-filled or saw removed meanwhile) is counted as a duplicate and dropped.
/// A dropped channel is reconnected under <see cref="RecoveryOptions"/> (backed-off retries, every attempt reported
/// through <see cref="OutageReported"/>, a deadline after which the transfer fails with its reason) and greeted with
/// the held frames, so the source resumes with exactly what is missing; urgent requests still unanswered are
/// sent again. Each channel proves <see cref="PostCopyClientOptions.Secret"/> and checks the source's proof.
/// <para>
/// Installed frames are confirmed to the source on the background channel (Installed frames, every
/// <see cref="PostCopyClientOptions.ConfirmEveryFrames"/> frames or <see cref="PostCopyClientOptions.ConfirmInterval"/>, and
/// all of them before this side closes), so the source can release its copy page by page. Pages that come on the
/// background channel before the source's Switchover mark were pushed while the VM still ran (hybrid): they are staged
/// here, the latest copy of a frame winning, and installed only at the mark; <see cref="SwitchedOver"/> tells the VM it
/// may run. A background reconnect before the mark drops the staged pages (the source pushes again). Frames the source
/// skipped (proven free) are marked in the sink as they arrive (a fault on one is a local zero page) and confirmed at once,
/// but zero-filled only after the stream's last page, so they never hold up the pages the guest waits for.
/// </para>
/// </summary>
public sealed class PostCopyClient : IPageRequester, IDisposable
{
    /// <summary>How long a complete destination keeps reading the source's remaining push to reach its end of stream.</summary>
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    private readonly EndPoint _server;
    private readonly GuestMemoryLayout _layout;
    private readonly IPageSink _sink;
    private readonly PostCopyClientOptions _options;
    private readonly ConcurrentDictionary<ulong, byte> _outstanding = new();
    private readonly ManualResetEventSlim _completed = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _urgentGate = new();
    private readonly Lock _cutGate = new();
    private readonly Lock _confirmGate = new();
    private readonly ConnectionCut[] _cuts;
    private readonly ManualResetEventSlim _switchedOver = new();
    private readonly Dictionary<ulong, byte[]?> _staged = [];
    private readonly InstalledConfirmations _confirmations;
    private readonly AtomicBitmap _deferred;
    private int _nextCut;
    private volatile ChannelConnection? _urgent;
    private volatile ChannelConnection? _background;
    private Thread? _urgentThread;
    private Thread? _backgroundThread;
    private long _pagesInstalled;
    private long _zeroFilled;
    private long _skippedFilled;
    private long _urgentSent;
    private long _urgentReceived;
    private long _duplicates;
    private long _doubleInstalls;
    private long _urgentReconnects;
    private long _backgroundReconnects;
    private long _cutsInjected;
    private long _receivedBytes;
    private long _framesSeen;
    private long _outageAttempts;
    private long _installsInFlight;
    private long _longestOutageTicks;
    private bool _started;
    private volatile bool _backgroundEnded;

    public PostCopyClient(EndPoint server, GuestMemoryLayout layout, IPageSink sink, PostCopyClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(sink);
        _server = server;
        _layout = layout;
        _sink = sink;
        _options = options ?? new PostCopyClientOptions();
        _cuts = [.. _options.Cuts.OrderBy(c => c.AfterPages)];
        if (sink.Held.Length != layout.TotalFrames)
        {
            throw new ArgumentException($"the sink holds a record of {sink.Held.Length} frames but the layout has {layout.TotalFrames}", nameof(sink));
        }
        ExpectedFrames = (long)(layout.MemoryBytes / layout.PageSize);
        _confirmations = new InstalledConfirmations(_options.ConfirmEveryFrames, _options.ConfirmInterval);
        _deferred = new AtomicBitmap(layout.TotalFrames);
    }

    /// <summary>Set once the source marked switchover: the VM stopped there and every page staged before it is installed; the VM may run here.</summary>
    public WaitHandle SwitchedOver => _switchedOver.WaitHandle;

    /// <summary>Waits for the source's switchover mark; false on timeout. Throws the transfer's failure.</summary>
    public bool WaitForSwitchover(TimeSpan timeout)
    {
        WaitHandle.WaitAny([_switchedOver.WaitHandle, _completed.WaitHandle], timeout);
        if (Failure is not null)
        {
            throw new IOException("post-copy transfer failed: " + Failure.Message, Failure);
        }
        return _switchedOver.IsSet;
    }

    /// <summary>Frames the destination holds (installed, being installed, zero-filled or removed): the sink's record.</summary>
    public HeldFrames Held => _sink.Held;

    /// <summary>Backed frames: the transfer is complete when the destination holds all of them.</summary>
    public long ExpectedFrames { get; }

    /// <summary>Set when retries ran out; the transfer cannot complete.</summary>
    public Exception? Failure { get; private set; }

    public bool IsComplete => Held.Count >= ExpectedFrames;

    /// <summary>Every failed attempt to reach the page server while a channel is down (log it; show it on progress).</summary>
    public event Action<OutageAttempt>? OutageReported;

    /// <summary>Raised once when the transfer fails for good (outage deadline, permanent refusal).</summary>
    public event Action<Exception>? Failed;

    /// <summary>Called once per received frame run that installed at least one frame (first GFN, count); e.g. to timestamp when the hot set was served.</summary>
    public event Action<ulong, int>? FramesInstalled;

    /// <summary>
    /// Serves <paramref name="server"/>'s misses from the page server at <paramref name="address"/> (the Firecracker
    /// handler's --source path): connects both channels and starts the transfer into the server. Use as the fault
    /// server's requester factory (<c>server => PostCopyClient.Connect(server, address)</c>). An outage past the
    /// deadline ends the fault server's session, so the VMM is stopped with the reason rather than left hung.
    /// </summary>
    public static PostCopyClient Connect(FaultServer server, string address, PostCopyClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        var client = new PostCopyClient(TransferEndPoint.FromText(address), server.Layout, server, options);
        client.Failed += server.Abort;
        try
        {
            client.Start();
        }
        catch
        {
            client.Dispose();
            throw;
        }
        return client;
    }

    /// <summary>Connects both channels (retrying as configured) and starts receiving.</summary>
    public void Start()
    {
        _urgent = Connect(ChannelKind.Urgent);
        _background = Connect(ChannelKind.Background);
        _started = true;
        _urgentThread = new Thread(() => ReceiveLoop(ChannelKind.Urgent)) { IsBackground = true, Name = "post-copy urgent" };
        _backgroundThread = new Thread(() => ReceiveLoop(ChannelKind.Background)) { IsBackground = true, Name = "post-copy background" };
        _urgentThread.Start();
        _backgroundThread.Start();
    }

    /// <summary>Waits until every frame arrived or the transfer failed; throws the failure.</summary>
    public bool WaitForCompletion(TimeSpan timeout)
    {
        var done = _completed.Wait(timeout);
        if (Failure is not null)
        {
            throw new IOException("post-copy transfer failed: " + Failure.Message, Failure);
        }
        return done && IsComplete;
    }

    public void RequestUrgent(ulong gfn)
    {
        if (Held.IsHeld(gfn) || !_outstanding.TryAdd(gfn, 0))
        {
            return;
        }
        SendUrgent(gfn);
    }

    public PostCopyClientStatistics Statistics() => new(
        Interlocked.Read(ref _pagesInstalled),
        Interlocked.Read(ref _zeroFilled),
        Interlocked.Read(ref _skippedFilled),
        Interlocked.Read(ref _urgentSent),
        Interlocked.Read(ref _urgentReceived),
        Interlocked.Read(ref _duplicates),
        Interlocked.Read(ref _doubleInstalls),
        Interlocked.Read(ref _urgentReconnects),
        Interlocked.Read(ref _backgroundReconnects),
        Interlocked.Read(ref _cutsInjected),
        Interlocked.Read(ref _receivedBytes),
        Interlocked.Read(ref _outageAttempts),
        TimeSpan.FromTicks(Interlocked.Read(ref _longestOutageTicks)));

    public void Dispose()
    {
        _stop.Cancel();
        _urgent?.Cut();
        _background?.Cut();
        _urgentThread?.Join(TimeSpan.FromSeconds(5));
        _backgroundThread?.Join(TimeSpan.FromSeconds(5));
        _completed.Dispose();
        _switchedOver.Dispose();
        _stop.Dispose();
    }

    private void SendUrgent(ulong gfn)
    {
        var channel = _urgent;
        if (channel is null)
        {
            return; // resent from _outstanding once the channel is back
        }
        try
        {
            lock (_urgentGate)
            {
                channel.Writer.WriteUrgentRequest(gfn);
            }
            Interlocked.Increment(ref _urgentSent);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            channel.Cut(); // the receive loop notices, reconnects and resends everything outstanding
        }
    }

    private ChannelConnection Connect(ChannelKind kind)
    {
        var recovery = _options.Recovery;
        var deadline = _started ? recovery.Deadline : _options.ConnectDeadline;
        var down = Stopwatch.StartNew();
        for (var attempt = 0; ; attempt++)
        {
            _stop.Token.ThrowIfCancellationRequested();
            try
            {
                // Every frame the destination holds, however it came to hold it: the source sends none of them again.
                var bitmap = Held.Count > 0 ? Held.Snapshot() : null;
                var hello = new ChannelHello(_options.SessionId, kind, _layout.PageSize, _layout.TotalFrames, bitmap);
                var channel = ChannelConnection.Open(_server, hello, _options.Secret, _options.Tls);
                RecordOutage(down.Elapsed);
                return channel;
            }
            catch (TransferRefusedException refused) when (refused.Permanent)
            {
                throw new TransferOutageException(refused.Message, refused);
            }
            catch (TransferTlsException tls)
            {
                throw new TransferOutageException(tls.Message, tls);
            }
            catch (Exception e) when (e is IOException or SocketException or TransferProtocolException)
            {
                if (IsComplete)
                {
                    // Every page arrived (by the other channel) while this one was down: nothing left to fetch, and the
                    // source may already have freed its copy and stopped listening.
                    throw new OperationCanceledException($"the {kind} channel is no longer needed: every page is here");
                }
                if (down.Elapsed >= deadline)
                {
                    RecordOutage(down.Elapsed);
                    throw new TransferOutageException(
                        $"page server {TransferEndPoint.Format(_server)} unreachable for {down.Elapsed.TotalSeconds:F0} s on the {kind} channel "
                        + $"({attempt + 1} attempts, deadline {deadline.TotalSeconds:F0} s): {e.Message}", e);
                }
                // Before the first connection the page server may simply not listen yet (the destination VMM was
                // started ahead of the switchover, as it should be): poll it closely, so the first fault is not
                // left waiting for a long backoff, and say so once rather than on every attempt.
                var wait = _started ? recovery.Backoff(attempt) : TimeSpan.FromTicks(Math.Min(recovery.Backoff(attempt).Ticks, _options.FirstConnectPoll.Ticks));
                if (_started)
                {
                    Interlocked.Increment(ref _outageAttempts);
                }
                if (_started || attempt == 0)
                {
                    OutageReported?.Invoke(new OutageAttempt(kind, attempt + 1, down.Elapsed, wait, e.Message));
                }
                _stop.Token.WaitHandle.WaitOne(wait);
            }
        }
    }

    private void RecordOutage(TimeSpan down)
    {
        var ticks = down.Ticks;
        var longest = Interlocked.Read(ref _longestOutageTicks);
        while (ticks > longest && Interlocked.CompareExchange(ref _longestOutageTicks, ticks, longest) != longest)
        {
            longest = Interlocked.Read(ref _longestOutageTicks);
        }
    }

    private void ReceiveLoop(ChannelKind kind)
    {
        // Installing the bulk stream yields the CPU to urgent pages and the fault server (raising needs root; best effort).
        if (kind == ChannelKind.Background)
        {
            ThreadNice.TrySetCurrent(ThreadNice.Bulk);
        }
        else
        {
            LatencyCriticalThread.Enter();
        }
        var payload = new byte[TransferLimits.MaxPagesPerFrame * (int)_layout.PageSize];
        var channel = kind == ChannelKind.Urgent ? _urgent! : _background!;
        while (!_stop.IsCancellationRequested && !IsComplete)
        {
            try
            {
                while (channel.Reader.TryReadFrame(out var header, payload))
                {
                    Handle(kind, header, payload);
                    SendConfirmations(force: false);
                    if (kind == ChannelKind.Background && header.Kind == TransferFrameKind.EndOfStream)
                    {
                        _backgroundEnded = true;
                        break;
                    }
                    if (IsComplete)
                    {
                        break;
                    }
                }
                if (IsComplete || (kind == ChannelKind.Background && _backgroundEnded))
                {
                    break;
                }
                throw new IOException($"page server closed the {kind} channel");
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or TransferProtocolException)
            {
                if (kind == ChannelKind.Background && !_stop.IsCancellationRequested && OnlyDeferredZeroFillRemains())
                {
                    // Every page is in and the rest is free: the source, which may have freed itself already, has nothing left to give.
                    ZeroFillDeferred();
                }
                if (_stop.IsCancellationRequested || IsComplete)
                {
                    break;
                }
                channel.Cut();
                try
                {
                    channel = Reconnect(kind);
                }
                catch (Exception fatal) when (fatal is IOException or SocketException or TransferProtocolException or OperationCanceledException)
                {
                    if (!_stop.IsCancellationRequested && !IsComplete)
                    {
                        Failure = fatal;
                        _completed.Set();
                        Failed?.Invoke(fatal);
                    }
                    return;
                }
            }
        }
        if (IsComplete)
        {
            _completed.Set();
        }
        if (kind == ChannelKind.Background && IsComplete)
        {
            channel = ConfirmEverything(channel, payload);
        }
        if (kind == ChannelKind.Background && IsComplete && !_backgroundEnded)
        {
            DrainToEndOfStream(channel, payload);
        }
        else if (kind == ChannelKind.Background && _backgroundEnded && !IsComplete)
        {
            // The stream ended before the last urgent pages landed: close it once they have, so the source sees this
            // side finish (an orderly close after its end of stream) and may free its copy.
            try
            {
                _completed.Wait(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return; // stopped: the client is being disposed
            }
            channel = ConfirmEverything(channel, payload);
        }
        if (kind == ChannelKind.Urgent || IsComplete)
        {
            channel.Cut();
        }
    }

    /// <summary>
    /// Every page is in, but the source is still pushing ones that came by fault. Reading its stream to the end (bounded)
    /// lets it write its end-of-stream and see this side close afterwards: that is how the source knows it may free its copy.
    /// </summary>
    private static void DrainToEndOfStream(ChannelConnection channel, Span<byte> payload)
    {
        try
        {
            channel.Socket.ReceiveTimeout = (int)DrainTimeout.TotalMilliseconds;
            var deadline = Stopwatch.GetTimestamp() + (long)(DrainTimeout.TotalSeconds * Stopwatch.Frequency);
            while (Stopwatch.GetTimestamp() < deadline && channel.Reader.TryReadFrame(out var header, payload))
            {
                if (header.Kind == TransferFrameKind.EndOfStream)
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or TransferProtocolException)
        {
            // The source went away or trickles: the pages are all here, nothing is lost by stopping.
        }
    }

    private ChannelConnection Reconnect(ChannelKind kind)
    {
        var channel = Connect(kind);
        if (kind == ChannelKind.Urgent)
        {
            Interlocked.Increment(ref _urgentReconnects);
            _urgent = channel;
            foreach (var gfn in _outstanding.Keys)
            {
                if (!Held.IsHeld(gfn))
                {
                    SendUrgent(gfn);
                }
            }
        }
        else
        {
            Interlocked.Increment(ref _backgroundReconnects);
            _staged.Clear(); // the new connection's source pushes again from the received bitmap, which has none of them
            ReplaceBackground(channel);
        }
        return channel;
    }

    private void Handle(ChannelKind kind, TransferFrameHeader header, byte[] payload)
    {
        switch (header.Kind)
        {
            case TransferFrameKind.Pages:
                Interlocked.Add(ref _receivedBytes, TransferFrameHeader.Size + (header.Count * _layout.PageSize));
                if (IsStaging(kind, header))
                {
                    Stage(header.Gfn, (int)header.Count, payload);
                }
                else
                {
                    InstallRuns(header.Gfn, (int)header.Count, payload, kind);
                }
                break;
            case TransferFrameKind.ZeroRun:
                Interlocked.Add(ref _receivedBytes, TransferFrameHeader.Size);
                if (IsStaging(kind, header))
                {
                    Stage(header.Gfn, (int)header.Count, null);
                }
                else if (kind == ChannelKind.Background && (ZeroRunReason)header.Flags == ZeroRunReason.Skipped)
                {
                    DeferZeroFill(header.Gfn, (int)header.Count);
                }
                else
                {
                    InstallRuns(header.Gfn, (int)header.Count, null, kind, (ZeroRunReason)header.Flags);
                }
                break;
            case TransferFrameKind.Switchover when kind == ChannelKind.Background:
                InstallStaged();
                _switchedOver.Set();
                break;
            case TransferFrameKind.EndOfStream when _switchedOver.IsSet:
                ZeroFillDeferred();
                break;
            default:
                throw new TransferProtocolException($"the page server sent a {header.Kind} frame on the {kind} channel");
        }
        InjectCuts(header.Count);
    }

    /// <summary>
    /// Skipped frames (proven free) are zero-filled only after the stream's last page: installing a few hundred MiB of
    /// zero pages first kept the pages the guest waits for queued behind them for seconds. Meanwhile a fault on one is
    /// answered here with a local zero page, and they are confirmed at once: the source's copy of a free frame is never
    /// needed again, so it need not wait for the zero-fill to release it.
    /// </summary>
    private void DeferZeroFill(ulong first, int count)
    {
        foreach (var (runFirst, runCount) in BackedRuns(first, count))
        {
            _sink.MarkSkipped(runFirst, (ulong)runCount);
            _deferred.SetRange(runFirst, (ulong)runCount);
            // Asked for before the mark took effect: the source may already have released it and would not answer.
            foreach (var gfn in _outstanding.Keys)
            {
                if (gfn >= runFirst && gfn < runFirst + (ulong)runCount)
                {
                    InstallRuns(gfn, 1, null, ChannelKind.Background, ZeroRunReason.Skipped);
                }
            }
            _confirmations.Add(runFirst, (ulong)runCount);
        }
    }

    private void ZeroFillDeferred()
    {
        foreach (var (first, count) in DeferredNotHeld())
        {
            InstallRuns(first, count, null, ChannelKind.Background, ZeroRunReason.Skipped, confirm: false);
        }
    }

    private bool OnlyDeferredZeroFillRemains()
    {
        var missing = DeferredNotHeld().Sum(run => (long)run.Count);
        return missing > 0 && Held.Count + missing >= ExpectedFrames;
    }

    /// <summary>Runs of skipped frames still waiting for their zero-fill (a fault or an earlier fill may have taken some).</summary>
    private IEnumerable<(ulong First, int Count)> DeferredNotHeld()
    {
        if (_deferred.Count == 0)
        {
            yield break;
        }
        var gfn = 0UL;
        while (gfn < _deferred.Length)
        {
            if (!_deferred.IsSet(gfn) || Held.IsHeld(gfn))
            {
                gfn++;
                continue;
            }
            var end = gfn + 1;
            while (end < _deferred.Length && end - gfn < TransferLimits.MaxZeroRun && _deferred.IsSet(end) && !Held.IsHeld(end))
            {
                end++;
            }
            yield return (gfn, (int)(end - gfn));
            gfn = end;
        }
    }

    private IEnumerable<(ulong First, int Count)> BackedRuns(ulong first, int count)
    {
        var i = 0;
        while (i < count)
        {
            if (!_layout.IsBacked(first + (ulong)i))
            {
                i++;
                continue;
            }
            var j = i + 1;
            while (j < count && _layout.IsBacked(first + (ulong)j))
            {
                j++;
            }
            yield return (first + (ulong)i, j - i);
            i = j;
        }
    }

    /// <summary>Before the switchover mark the background stream carries the hybrid push: pages of a running VM, final only at the mark.</summary>
    private bool IsStaging(ChannelKind kind, TransferFrameHeader header)
    {
        if (_switchedOver.IsSet || kind != ChannelKind.Background)
        {
            return false;
        }
        if (header.Kind == TransferFrameKind.ZeroRun && (ZeroRunReason)header.Flags == ZeroRunReason.Skipped)
        {
            throw new TransferProtocolException("the page server skipped frames before switchover: only its dirty log at switchover can prove them free");
        }
        return true;
    }

    /// <summary>Keeps pushed pages (null: zero content) until the switchover mark; a later copy of a frame replaces the earlier.</summary>
    private void Stage(ulong first, int count, byte[]? pages)
    {
        var pageSize = (int)_layout.PageSize;
        for (var k = 0; k < count; k++)
        {
            var gfn = first + (ulong)k;
            if (!_layout.IsBacked(gfn))
            {
                continue;
            }
            _staged[gfn] = pages?.AsSpan(k * pageSize, pageSize).ToArray();
        }
    }

    /// <summary>Installs every staged page at the switchover mark, in runs; frames that arrived otherwise meanwhile stay as they are.</summary>
    private void InstallStaged()
    {
        if (_staged.Count == 0)
        {
            return;
        }
        var pageSize = (int)_layout.PageSize;
        var buffer = new byte[TransferLimits.MaxPagesPerFrame * pageSize];
        var frames = _staged.Keys.Order().ToArray();
        var i = 0;
        while (i < frames.Length)
        {
            var zero = _staged[frames[i]] is null;
            var j = i + 1;
            while (j < frames.Length && frames[j] == frames[j - 1] + 1 && (_staged[frames[j]] is null) == zero && (zero || j - i < TransferLimits.MaxPagesPerFrame))
            {
                j++;
            }
            if (!zero)
            {
                for (var k = i; k < j; k++)
                {
                    _staged[frames[k]]!.CopyTo(buffer, (k - i) * pageSize);
                }
            }
            InstallRuns(frames[i], j - i, zero ? null : buffer, ChannelKind.Background);
            i = j;
        }
        _staged.Clear();
    }

    /// <summary>Sends the pending confirmations on the background channel when due (or now); what cannot be sent waits for the next channel.</summary>
    private void SendConfirmations(bool force)
    {
        // Both receive loops confirm; one at a time, so a run is never recorded against a connection it was not written on.
        lock (_confirmGate)
        {
            var runs = _confirmations.TakeIfDue(force);
            if (runs.Count == 0)
            {
                return;
            }
            var channel = _background;
            var sent = 0;
            try
            {
                if (channel is null)
                {
                    throw new IOException("no background channel");
                }
                foreach (var (first, count) in runs)
                {
                    var at = first;
                    var left = count;
                    while (left > 0)
                    {
                        var piece = (uint)Math.Min(left, TransferLimits.MaxZeroRun);
                        channel.Writer.WriteInstalled(at, piece);
                        at += piece;
                        left -= piece;
                    }
                    sent++;
                }
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                _confirmations.Return(runs.Skip(sent)); // confirmed again over the next connection; the source keeps those pages meanwhile
            }
            _confirmations.Written(runs.Take(sent));
        }
    }

    /// <summary>Makes <paramref name="channel"/> the background channel; what the last one carried is confirmed again on it.</summary>
    private void ReplaceBackground(ChannelConnection channel)
    {
        lock (_confirmGate)
        {
            _confirmations.ConnectionReplaced();
            _background = channel;
        }
    }

    /// <summary>
    /// Every frame is here: waits (bounded) for the last installs still running on the other channel, then confirms all,
    /// so the source sees every page confirmed before this side closes. When the background channel was cut with
    /// confirmations unsent, one new connection delivers them (the source waits for them to free its copy); if that
    /// fails too, nothing is lost: the source only keeps its copy longer. Returns the channel to close.
    /// </summary>
    private ChannelConnection ConfirmEverything(ChannelConnection channel, byte[] payload)
    {
        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency;
        while (Interlocked.Read(ref _installsInFlight) > 0 && Stopwatch.GetTimestamp() < deadline)
        {
            Thread.Sleep(1);
        }
        SendConfirmations(force: true);
        if (!_confirmations.HasPending || _stop.IsCancellationRequested)
        {
            return channel;
        }
        try
        {
            var fresh = Connect(ChannelKind.Background); // one attempt: a complete client does not retry
            Interlocked.Increment(ref _backgroundReconnects);
            ReplaceBackground(fresh);
            SendConfirmations(force: true);
            channel.Cut();
            DrainToEndOfStream(fresh, payload);
            _backgroundEnded = true;
            return fresh;
        }
        catch (Exception e) when (e is IOException or SocketException or TransferProtocolException or OperationCanceledException)
        {
            return channel;
        }
    }

    /// <summary>
    /// Hands the run's backed sub-runs to the sink, which claims each frame in the destination's record and installs
    /// only what it did not hold; frames it held (or that no region backs) count as duplicates.
    /// </summary>
    private void InstallRuns(ulong first, int count, byte[]? pages, ChannelKind kind, ZeroRunReason reason = ZeroRunReason.ZeroContent, bool confirm = true)
    {
        Interlocked.Increment(ref _installsInFlight);
        try
        {
            InstallRunsCore(first, count, pages, kind, reason, confirm);
        }
        finally
        {
            Interlocked.Decrement(ref _installsInFlight);
        }
    }

    private void InstallRunsCore(ulong first, int count, byte[]? pages, ChannelKind kind, ZeroRunReason reason, bool confirm)
    {
        var pageSize = (int)_layout.PageSize;
        var backed = 0;
        foreach (var (runFirst, runCount) in BackedRuns(first, count))
        {
            backed += runCount;
            var offset = (int)(runFirst - first);
            var result = pages is null
                ? _sink.ZeroFill(runFirst, (ulong)runCount)
                : _sink.Install(runFirst, pages.AsSpan(offset * pageSize, runCount * pageSize));
            if (result.TargetGone)
            {
                throw new IOException("the destination VM's memory is gone");
            }
            var installed = (long)result.Installed;
            if (pages is null)
            {
                Interlocked.Add(ref reason == ZeroRunReason.Skipped ? ref _skippedFilled : ref _zeroFilled, installed);
            }
            else
            {
                Interlocked.Add(ref _pagesInstalled, installed);
            }
            Interlocked.Add(ref _duplicates, (long)result.AlreadyHeld);
            Interlocked.Add(ref _doubleInstalls, (long)result.AlreadyPresent);
            if (kind == ChannelKind.Urgent)
            {
                Interlocked.Add(ref _urgentReceived, installed);
            }
            for (var k = 0; k < runCount; k++)
            {
                _outstanding.TryRemove(runFirst + (ulong)k, out _);
            }
            if (confirm)
            {
                _confirmations.Add(runFirst, (ulong)runCount);
            }
            if (installed > 0)
            {
                FramesInstalled?.Invoke(runFirst, runCount);
            }
        }
        Interlocked.Add(ref _duplicates, count - backed); // frames no region backs
        if (IsComplete)
        {
            _completed.Set();
        }
    }

    private void InjectCuts(uint frames)
    {
        if (_nextCut >= _cuts.Length)
        {
            return;
        }
        var seen = Interlocked.Add(ref _framesSeen, frames);
        ConnectionCut? cut = null;
        lock (_cutGate)
        {
            if (_nextCut < _cuts.Length && seen >= _cuts[_nextCut].AfterPages)
            {
                cut = _cuts[_nextCut++];
            }
        }
        if (cut is not null)
        {
            Interlocked.Increment(ref _cutsInjected);
            (cut.Channel == ChannelKind.Urgent ? _urgent : _background)?.Cut();
        }
    }
}
