using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using GuestAssist.Host.Destination;
using GuestAssist.Host.Layout;
using GuestAssist.Host.Transfer;
using GuestAssist.Linux.Threading;
using GuestAssist.Linux.Transports;

namespace GuestAssist.Host.Source;

/// <summary>
/// The source side of post-copy: serves a destination over two connections. The urgent connection answers each
/// demand fault with that one page at once and tells the schedule to re-centre; the background connection pushes
/// everything else in schedule order. Because they are separate sockets with separate threads, a fault never waits
/// behind the bulk stream (only behind the shared link limit, which prefers urgent bytes).
/// Every channel opens with a challenge: with a <see cref="PageServerOptions.Secret"/> only a destination that proves
/// it holds the secret gets anything, and the first accepted destination's session owns the server — another
/// session is refused (<see cref="HelloStatus.ChannelBusy"/>) while the owner may reconnect: a new connection of a
/// kind replaces the old one (a reconnect after a cut) and the background push restarts from a schedule built from
/// the destination's received bitmap. What a peer can make the server hold is bounded: at most
/// <see cref="PageServerOptions.MaxConnections"/> connections, a handshake deadline, and a resume bitmap read only
/// after the proof verified and its size matched this memory.
/// <para>
/// The destination confirms installed frames on the background channel (<c>Installed</c> frames); with
/// <see cref="PageServerOptions.ReleaseSource"/> the source then releases its copy of them (<see cref="IPageSource.Release"/>),
/// page by page while the transfer runs. Only confirmed frames are released, and only frames this server sent since
/// switchover may be confirmed (<see cref="AcknowledgementRefusedException"/> otherwise): a lost confirmation only
/// keeps a page longer, and a resumed schedule never sends a released frame again.
/// </para>
/// <para>
/// Made <see cref="BeforeSwitchover"/> (hybrid), the server pushes a set of frames (the hot set) from the running VM's
/// memory to the first background connection and answers no urgent request until <see cref="Switchover"/>: then it
/// sends again every pushed frame the guest wrote since the push began, marks the switchover on the stream (the
/// destination stages pushed pages until then), and goes on in post-copy from what the destination now holds.
/// </para>
/// </summary>
public sealed class PageServer : IDisposable
{
    private readonly GuestMemoryLayout _layout;
    private readonly PageServerOptions _options;
    private readonly AtomicBitmap _sent;
    private readonly AtomicBitmap _released;
    private readonly ReleaseBlocks _releaseBlocks;
    private readonly ManualResetEventSlim _switchedOver = new();
    private readonly ManualResetEventSlim _streamReleased;
    private readonly ManualResetEventSlim _pushDone = new();
    private readonly ulong[] _pushFrames;
    private volatile IPageSource _source;
    private volatile Func<ulong[]?, ITransferSchedule>? _scheduleFactory;
    private Func<ulong, bool>? _writtenSincePush;
    private readonly Lock _gate = new();
    private readonly Socket?[] _channels = new Socket?[3];
    private readonly Thread?[] _threads = new Thread?[3];
    private readonly ManualResetEventSlim _backgroundDone = new();
    private readonly ManualResetEventSlim _destinationFinished = new();
    private readonly CancellationTokenSource _stop = new();
    private Socket? _listener;
    private Thread? _acceptThread;
    private int _disposed;
    private volatile ITransferSchedule? _schedule;
    private Guid? _owner;
    private int _connections;

    /// <summary>A post-copy server: the VM is stopped and <paramref name="source"/> is its memory at switchover.</summary>
    public PageServer(IPageSource source, GuestMemoryLayout layout, Func<ulong[]?, ITransferSchedule> scheduleFactory, PageServerOptions? options = null)
        : this(source, layout, options, [])
    {
        ArgumentNullException.ThrowIfNull(scheduleFactory);
        _scheduleFactory = scheduleFactory;
        _switchedOver.Set();
    }

    private PageServer(IPageSource source, GuestMemoryLayout layout, PageServerOptions? options, ulong[] pushFrames)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(layout);
        if (source.PageSize != layout.PageSize)
        {
            throw new ArgumentException($"page source uses {source.PageSize}-byte pages, the layout {layout.PageSize}", nameof(source));
        }
        _source = source;
        _layout = layout;
        _options = options ?? new PageServerOptions();
        if (_options.BatchPages is < 1 or > TransferLimits.MaxPagesPerFrame)
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options.BatchPages, $"batch of 1..{TransferLimits.MaxPagesPerFrame} pages");
        }
        _sent = new AtomicBitmap(layout.TotalFrames);
        _released = new AtomicBitmap(layout.TotalFrames);
        _releaseBlocks = new ReleaseBlocks(layout);
        _streamReleased = new ManualResetEventSlim(initialState: !_options.HoldStreamAfterSwitchover);
        _pushFrames = pushFrames;
    }

    /// <summary>
    /// A hybrid server, made while the VM still runs: <paramref name="liveMemory"/> is read as the guest writes it (a
    /// shared memory file), and <paramref name="pushFrames"/> go to the destination before switchover, in that order.
    /// Call <see cref="Switchover"/> once the VM is stopped and the dirty log sealed; until then urgent requests wait.
    /// </summary>
    public static PageServer BeforeSwitchover(IPageSource liveMemory, GuestMemoryLayout layout, IEnumerable<ulong> pushFrames, PageServerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(pushFrames);
        var frames = pushFrames.Where(layout.IsBacked).Distinct().ToArray();
        return new PageServer(liveMemory, layout, options, frames);
    }

    /// <summary>
    /// The VM stopped (hybrid): from now on pages come from <paramref name="pausedMemory"/>, pushed frames for which
    /// <paramref name="writtenSincePush"/> is true (the sealed dirty log, since before the push began) are sent again,
    /// then the stream marks switchover and the post-copy schedule takes over from what the destination holds.
    /// </summary>
    public void Switchover(IPageSource pausedMemory, Func<ulong[]?, ITransferSchedule> scheduleFactory, Func<ulong, bool> writtenSincePush)
    {
        ArgumentNullException.ThrowIfNull(pausedMemory);
        ArgumentNullException.ThrowIfNull(scheduleFactory);
        ArgumentNullException.ThrowIfNull(writtenSincePush);
        if (_switchedOver.IsSet)
        {
            throw new InvalidOperationException("the page server is already past switchover");
        }
        if (pausedMemory.PageSize != _layout.PageSize)
        {
            throw new ArgumentException($"page source uses {pausedMemory.PageSize}-byte pages, the layout {_layout.PageSize}", nameof(pausedMemory));
        }
        _writtenSincePush = writtenSincePush;
        _scheduleFactory = scheduleFactory;
        _source = pausedMemory;
        _switchedOver.Set();
    }

    /// <summary>Set when a hybrid push sent its whole set to a destination (before switchover); the session may pause the VM then.</summary>
    public WaitHandle PushDone => _pushDone.WaitHandle;

    /// <summary>Frames in the hybrid push set (0 for a post-copy server).</summary>
    public int PushFrames => _pushFrames.Length;

    /// <summary>True once the VM stopped: always for a post-copy server, after <see cref="Switchover"/> for a hybrid one.</summary>
    public bool IsSwitchedOver => _switchedOver.IsSet;

    /// <summary>True when every backed frame was confirmed installed by the destination: the source's copy is no longer needed.</summary>
    public bool AllConfirmed => (ulong)_released.Count >= _layout.MemoryBytes / _layout.PageSize;

    public PageServerCounters Counters { get; } = new();

    internal PageServerOptions Options => _options;

    public EndPoint? LocalEndPoint => _listener?.LocalEndPoint;

    /// <summary>Description of the schedule serving the current background connection.</summary>
    public string? ScheduleDescription => _schedule?.Description;

    /// <summary>Set when a background connection sent its end-of-stream (every frame pushed or zero-filled).</summary>
    public WaitHandle BackgroundDone => _backgroundDone.WaitHandle;

    /// <summary>
    /// Set when the destination confirmed every frame installed: it holds every page, so the source may free what is left of
    /// its copy. Confirmations lost with a cut channel come again over the next one (a complete destination reconnects once
    /// to deliver them), so a cut is never taken for the end.
    /// </summary>
    public WaitHandle DestinationFinished => _destinationFinished.WaitHandle;

    /// <summary>Errors of connections that were dropped (protocol violations, cuts); for logs.</summary>
    public event Action<ChannelKind?, Exception>? ConnectionFailed;

    /// <summary>Listens on a <c>unix:</c> or <c>tcp:</c> address (see <see cref="TransferEndPoint.From"/>).</summary>
    public void Listen(TransportAddress address) => Listen(TransferEndPoint.From(address));

    public void Listen(EndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        if (endPoint is UnixDomainSocketEndPoint unix && File.Exists(unix.ToString()))
        {
            File.Delete(unix.ToString()!);
        }
        var listener = TransferEndPoint.CreateSocket(endPoint);
        listener.Bind(endPoint);
        listener.Listen(8);
        _listener = listener;
        _acceptThread = new Thread(AcceptLoop) { IsBackground = true, Name = "page-server accept" };
        _acceptThread.Start();
    }

    /// <summary>Lets the background stream go on past the switchover mark (<see cref="PageServerOptions.HoldStreamAfterSwitchover"/>).</summary>
    public void ReleaseStream() => _streamReleased.Set();

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _stop.Cancel();
        _listener?.Dispose();
        Socket?[] channels;
        lock (_gate)
        {
            channels = [.. _channels];
        }
        foreach (var socket in channels)
        {
            socket?.Dispose();
        }
        _acceptThread?.Join(TimeSpan.FromSeconds(5));
        foreach (var thread in _threads)
        {
            thread?.Join(TimeSpan.FromSeconds(5));
        }
        _backgroundDone.Dispose();
        _destinationFinished.Dispose();
        _switchedOver.Dispose();
        _streamReleased.Dispose();
        _pushDone.Dispose();
        _stop.Dispose();
    }

    private void AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = _listener!.Accept();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }
            if (Interlocked.Increment(ref _connections) > _options.MaxConnections)
            {
                Interlocked.Decrement(ref _connections);
                connection.Dispose();
                ConnectionFailed?.Invoke(null, new TransferProtocolException($"connection refused: {_options.MaxConnections} connections are open"));
                continue;
            }
            var thread = new Thread(() => Serve(connection)) { IsBackground = true, Name = "page-server channel" };
            thread.Start();
        }
    }

    private void Serve(Socket connection)
    {
        ChannelKind? kind = null;
        try
        {
            if (connection.AddressFamily != AddressFamily.Unix)
            {
                connection.NoDelay = true;
            }
            Stream stream = new NetworkStream(connection, ownsSocket: true);
            using var owned = stream;
            ChannelHello hello;
            // A silent or trickling peer loses its connection at the deadline, whatever it sent so far.
            using (var deadline = new Timer(_ => connection.Dispose(), null, _options.HandshakeTimeout, Timeout.InfiniteTimeSpan))
            {
                if (_options.Tls is { } tls)
                {
                    stream = tls.AuthenticateAsServer(stream);
                }
                var result = Handshake(stream);
                if (result is null)
                {
                    return;
                }
                hello = result;
                kind = hello.Kind;
            }
            using var secured = stream == owned ? null : stream;
            Claim(hello.Kind, connection);
            Counters.AddConnection();
            if (hello.Kind == ChannelKind.Urgent)
            {
                LatencyCriticalThread.Enter();
                ServeUrgent(stream, connection);
            }
            else
            {
                // The bulk stream yields the CPU to the urgent channel: on a 2-core host it otherwise delays faults.
                ThreadNice.TrySetCurrent(ThreadNice.Bulk);
                BackgroundPacing.Apply(connection, _options.Link?.Rate);
                ServeBackground(stream, hello.ReceivedBitmap, connection);
            }
        }
        catch (Exception e)
        {
            // Whatever a peer sends ends at most its own connection: never the server.
            if (!_stop.IsCancellationRequested)
            {
                ConnectionFailed?.Invoke(kind, e is ObjectDisposedException ? new TransferProtocolException("handshake not finished within the deadline", e) : e);
            }
        }
        finally
        {
            connection.Dispose();
            Interlocked.Decrement(ref _connections);
        }
    }

    /// <summary>Challenge, hello, proof, checks, then the bitmap; null when the peer was refused (it got the reason).</summary>
    private ChannelHello? Handshake(Stream stream)
    {
        var secret = _options.Secret;
        var challenge = SourceChallenge.Create(secret is not null);
        challenge.Write(stream);
        var head = new byte[ChannelHello.FixedSize];
        TransferStreamReader.ReadExactlyOrThrow(stream, head, "channel hello");
        var hello = ChannelHello.ParseFixed(head, out var words);
        var proof = new byte[ChannelAuthentication.ProofBytes];
        TransferStreamReader.ReadExactlyOrThrow(stream, proof, "channel proof");
        var destinationNonce = proof.AsSpan(0, ChannelAuthentication.NonceBytes);
        var status = secret is not null && !ChannelAuthentication.VerifyDestination(secret, challenge.Nonce, proof, head)
            ? HelloStatus.Unauthenticated
            : Check(hello);
        if (status == HelloStatus.Accepted && words > 0)
        {
            // Only now, with the proof verified and the frame count equal to this memory's, is the bitmap's size known good.
            hello = hello with { ReceivedBitmap = ChannelHello.ReadBitmap(stream, words, hello.TotalFrames) };
        }
        if (status == HelloStatus.Accepted && !Bind(hello.SessionId))
        {
            status = HelloStatus.ChannelBusy;
        }
        HelloReply.Write(stream, status, ChannelAuthentication.SourceMac(secret, destinationNonce, challenge.Nonce, status));
        if (status != HelloStatus.Accepted)
        {
            ConnectionFailed?.Invoke(hello.Kind, new TransferRefusedException(hello.Kind, status));
            return null;
        }
        return hello;
    }

    /// <summary>The first accepted destination's session owns this server; later hellos must present the same one.</summary>
    private bool Bind(Guid session)
    {
        lock (_gate)
        {
            _owner ??= session;
            return _owner == session;
        }
    }

    private HelloStatus Check(ChannelHello hello)
    {
        if (_options.SessionId != Guid.Empty && hello.SessionId != _options.SessionId)
        {
            return HelloStatus.UnknownSession;
        }
        return hello.PageSize != _layout.PageSize || hello.TotalFrames != _layout.TotalFrames
            ? HelloStatus.GeometryMismatch
            : HelloStatus.Accepted;
    }

    /// <summary>Makes <paramref name="connection"/> the channel of its kind, closing and waiting out the one it replaces.</summary>
    private void Claim(ChannelKind kind, Socket connection)
    {
        Socket? old;
        Thread? oldThread;
        lock (_gate)
        {
            old = _channels[(int)kind];
            oldThread = _threads[(int)kind];
            _channels[(int)kind] = connection;
            _threads[(int)kind] = Thread.CurrentThread;
        }
        old?.Dispose();
        if (oldThread is not null && oldThread != Thread.CurrentThread)
        {
            oldThread.Join();
        }
    }

    private void ServeUrgent(Stream stream, Socket connection)
    {
        var pageSize = (int)_layout.PageSize;
        var reader = new TransferStreamReader(stream, _layout.PageSize, _layout.TotalFrames);
        var writer = new TransferStreamWriter(stream, _layout.PageSize);
        var page = new byte[pageSize];
        while (reader.TryReadFrame(out var header, Span<byte>.Empty))
        {
            if (header.Kind != TransferFrameKind.UrgentRequest)
            {
                throw new TransferProtocolException($"the urgent channel accepts only urgent requests, got {header.Kind}");
            }
            var arrived = Stopwatch.GetTimestamp();
            var gfn = header.Gfn;
            Counters.AddUrgentRequest();
            // Before switchover the guest still runs here: a page read now could change after it was sent.
            WaitForSwitchover(connection);
            if (_released.IsSet(gfn))
            {
                continue; // confirmed installed (it came on the background channel meanwhile): the destination has it
            }
            if (!_layout.IsBacked(gfn))
            {
                writer.WriteZeroRun(gfn, 1, ZeroRunReason.Skipped);
                Counters.UrgentWait.RecordStopwatchTicks(Stopwatch.GetTimestamp() - arrived);
                continue;
            }
            // Take the frame from the background order and re-centre pre-paging on it before answering, so the
            // stream does not send it again and its neighbours follow on the background channel.
            _schedule?.OnDemandFault(gfn);
            _sent.TrySet(gfn);
            _source.Read(gfn, 1, page);
            if (ZeroPage.IsZero(page))
            {
                _options.Link?.Take(TransferFrameHeader.Size, TrafficClass.Urgent, _stop.Token);
                writer.WriteZeroRun(gfn, 1, ZeroRunReason.ZeroContent);
                Counters.AddZeroPages(TrafficClass.Urgent, 1, TransferFrameHeader.Size);
            }
            else
            {
                _options.Link?.Take(TransferFrameHeader.Size + pageSize, TrafficClass.Urgent, _stop.Token);
                writer.WritePages(gfn, 1, page);
                Counters.AddPages(TrafficClass.Urgent, ClassOf(gfn), 1, TransferFrameHeader.Size + pageSize);
            }
            Counters.UrgentWait.RecordStopwatchTicks(Stopwatch.GetTimestamp() - arrived);
        }
    }

    private void ServeBackground(Stream stream, ulong[]? receivedBitmap, Socket connection)
    {
        var writer = new TransferStreamWriter(stream, _layout.PageSize);
        var confirmations = new Thread(() => ReadConfirmations(stream, connection)) { IsBackground = true, Name = "page-server confirmations" };
        var buffer = new byte[_options.BatchPages * (int)_layout.PageSize];
        var gfns = new ulong[Math.Max(4096, _options.BatchPages)];
        AcceptClaimedFrames(receivedBitmap);
        confirmations.Start();
        var pushed = _switchedOver.IsSet ? null : PushBeforeSwitchover(writer, receivedBitmap, connection, () => confirmations.IsAlive, buffer, gfns);
        writer.WriteSwitchover();
        _streamReleased.Wait(_stop.Token);
        var schedule = _scheduleFactory!(ResumePoint(receivedBitmap, pushed));
        _schedule = schedule;
        int n;
        while ((n = schedule.TakeZeroFill(gfns)) > 0)
        {
            foreach (var (first, count) in Runs(gfns.AsSpan(0, n)))
            {
                _options.Link?.Take(TransferFrameHeader.Size, TrafficClass.Background, _stop.Token);
                MarkSent(first, count);
                writer.WriteZeroRun(first, (uint)count, ZeroRunReason.Skipped);
                Counters.AddSkipped(count, TransferFrameHeader.Size);
            }
        }
        while ((n = schedule.NextBatch(gfns.AsSpan(0, _options.BatchPages))) > 0)
        {
            Counters.AddBatch();
            foreach (var (first, count) in Runs(gfns.AsSpan(0, n)))
            {
                SendRun(writer, first, count, buffer, markSent: true);
            }
        }
        writer.WriteEndOfStream();
        _backgroundDone.Set();
        // Stay until the destination closes, so a reconnect is the only way to ask for more; its confirmations come meanwhile
        // and end with every frame confirmed (DestinationFinished). A close without them is a cut: it reconnects.
        confirmations.Join();
    }

    /// <summary>
    /// Frames the destination's hello says it holds may be confirmed on this connection: after a reconnect it confirms
    /// again what the last connection carried, which a restarted page server never sent itself. Refusing those cut every
    /// new connection after a batch or two, so the stream crawled at a fraction of the link until all were re-confirmed.
    /// </summary>
    private void AcceptClaimedFrames(ulong[]? receivedBitmap)
    {
        if (receivedBitmap is not null)
        {
            MarkSent(receivedBitmap);
        }
    }

    private void MarkSent(ulong[] bitmapWords)
    {
        for (var w = 0; w < bitmapWords.Length; w++)
        {
            var word = bitmapWords[w];
            while (word != 0)
            {
                var gfn = ((ulong)w << 6) + (ulong)System.Numerics.BitOperations.TrailingZeroCount(word);
                if (gfn < _layout.TotalFrames)
                {
                    _sent.TrySet(gfn);
                }
                word &= word - 1;
            }
        }
    }

    /// <summary>
    /// The hybrid push: every frame of the push set the destination lacks, read from the running VM, then (once the VM
    /// stopped) the pushed frames the guest wrote since the push began, again. Returns the pushed frames as bitmap words;
    /// they count as sent only now that each holds its switchover content.
    /// </summary>
    private ulong[] PushBeforeSwitchover(TransferStreamWriter writer, ulong[]? receivedBitmap, Socket connection, Func<bool> peerStillThere, byte[] buffer, ulong[] gfns)
    {
        var pushed = new ulong[ChannelHello.BitmapWords(_layout.TotalFrames)];
        var i = 0;
        while (i < _pushFrames.Length && !_switchedOver.IsSet)
        {
            var n = 0;
            while (i < _pushFrames.Length && n < _options.BatchPages)
            {
                var gfn = _pushFrames[i++];
                if (!IsSet(receivedBitmap, gfn))
                {
                    gfns[n++] = gfn;
                }
            }
            foreach (var (first, count) in Runs(gfns.AsSpan(0, n)))
            {
                SendRun(writer, first, count, buffer, markSent: false);
                SetRange(pushed, first, count);
                Counters.AddPushedBeforeSwitchover(count);
            }
        }
        if (i == _pushFrames.Length)
        {
            _pushDone.Set();
        }
        WaitForSwitchover(connection, peerStillThere);
        ResendWrittenSincePush(writer, pushed, buffer, gfns);
        MarkSent(pushed);
        return pushed;
    }

    /// <summary>The VM stopped: every pushed frame the guest wrote since the push began goes again, from the paused memory.</summary>
    private void ResendWrittenSincePush(TransferStreamWriter writer, ulong[] pushed, byte[] buffer, ulong[] gfns)
    {
        var written = _writtenSincePush!;
        var batch = 0;
        for (ulong gfn = 0; gfn < _layout.TotalFrames; gfn++)
        {
            if (IsSet(pushed, gfn) && written(gfn))
            {
                gfns[batch++] = gfn;
            }
            if (batch == _options.BatchPages || (batch > 0 && gfn == _layout.TotalFrames - 1))
            {
                foreach (var (first, count) in Runs(gfns.AsSpan(0, batch)))
                {
                    SendRun(writer, first, count, buffer, markSent: false);
                    Counters.AddResentAtSwitchover(count);
                }
                batch = 0;
            }
        }
    }

    /// <summary>Blocks until switchover; throws when this connection was replaced or closed, or the server stops, meanwhile.</summary>
    private void WaitForSwitchover(Socket connection, Func<bool>? peerStillThere = null)
    {
        while (!_switchedOver.Wait(TimeSpan.FromMilliseconds(100), _stop.Token))
        {
            lock (_gate)
            {
                if (Array.IndexOf(_channels, connection) < 0 || peerStillThere?.Invoke() == false)
                {
                    throw new IOException("the connection was replaced or closed while it waited for switchover");
                }
            }
        }
    }

    /// <summary>What the destination holds when a schedule starts: its bitmap, the frames just pushed, the frames it confirmed.</summary>
    private ulong[]? ResumePoint(ulong[]? receivedBitmap, ulong[]? pushed)
    {
        if (receivedBitmap is null && pushed is null && _released.Count == 0)
        {
            return null;
        }
        var words = _released.Snapshot();
        for (var w = 0; w < words.Length; w++)
        {
            words[w] |= (receivedBitmap is null ? 0 : receivedBitmap[w]) | (pushed is null ? 0 : pushed[w]);
        }
        return words;
    }

    /// <summary>
    /// Reads the destination's confirmations off the background channel until it closes: each confirmed run is checked
    /// against what was sent (all or nothing) and then released. Anything else, or a confirmation of an unsent frame,
    /// ends the connection.
    /// </summary>
    private void ReadConfirmations(Stream stream, Socket connection)
    {
        var reader = new TransferStreamReader(stream, _layout.PageSize, _layout.TotalFrames);
        try
        {
            while (reader.TryReadFrame(out var header, Span<byte>.Empty))
            {
                if (header.Kind != TransferFrameKind.Installed)
                {
                    throw new TransferProtocolException($"the background channel accepts only Installed confirmations from the destination, got {header.Kind}");
                }
                Confirm(header.Gfn, header.Count);
            }
        }
        catch (Exception e)
        {
            if (!_stop.IsCancellationRequested && e is not (IOException or ObjectDisposedException or SocketException))
            {
                ConnectionFailed?.Invoke(ChannelKind.Background, e);
            }
            connection.Dispose(); // the push stops at its next write; the destination reconnects
        }
    }

    private void Confirm(ulong first, uint count)
    {
        var end = first + count;
        for (var gfn = first; gfn < end; gfn++)
        {
            if (!_sent.IsSet(gfn))
            {
                throw new AcknowledgementRefusedException(first, count, gfn);
            }
        }
        var gfnAt = first;
        while (gfnAt < end)
        {
            if (!_released.TrySet(gfnAt))
            {
                gfnAt++;
                continue;
            }
            var runEnd = gfnAt + 1;
            while (runEnd < end && _released.TrySet(runEnd))
            {
                runEnd++;
            }
            Counters.AddConfirmed((long)(runEnd - gfnAt));
            if (_options.ReleaseSource)
            {
                _releaseBlocks.Confirmed(gfnAt, runEnd, Release);
            }
            gfnAt = runEnd;
        }
        if (AllConfirmed)
        {
            _destinationFinished.Set();
        }
    }

    /// <summary>Releases the source's copy of [first, end), region by region (a block may span a region boundary or a hole).</summary>
    private void Release(ulong first, ulong end)
    {
        var source = _source;
        if (!source.CanRelease)
        {
            return;
        }
        var gfn = first;
        while (gfn < end)
        {
            if (!_layout.TryGetRegion(gfn, out var region, out _))
            {
                gfn++;
                continue;
            }
            var pieceEnd = Math.Min(end, region.GuestPhysicalEnd >> _layout.PageShift);
            Counters.AddReleased(source.Release(gfn, (int)(pieceEnd - gfn)));
            gfn = pieceEnd;
        }
    }

    private void MarkSent(ulong first, int count)
    {
        for (var k = 0UL; k < (ulong)count; k++)
        {
            _sent.TrySet(first + k);
        }
    }

    private static bool IsSet(ulong[]? words, ulong gfn) => words is not null && (words[gfn / 64] & (1UL << (int)(gfn % 64))) != 0;

    private static void SetRange(ulong[] words, ulong first, int count)
    {
        for (var k = 0UL; k < (ulong)count; k++)
        {
            words[(first + k) / 64] |= 1UL << (int)((first + k) % 64);
        }
    }

    /// <summary>Sends frames [first, first+count): reads them region by region, zero pages as zero runs.</summary>
    private void SendRun(TransferStreamWriter writer, ulong first, int count, byte[] buffer, bool markSent)
    {
        var source = _source;
        var pageSize = (int)_layout.PageSize;
        var end = first + (ulong)count;
        var gfn = first;
        while (gfn < end)
        {
            if (!_layout.TryGetRegion(gfn, out var region, out _))
            {
                gfn++;
                continue;
            }
            var regionEnd = region.GuestPhysicalEnd >> _layout.PageShift;
            if (_released.IsSet(gfn))
            {
                gfn++; // confirmed installed since it was scheduled (a resumed stream overlaps the cut one's confirmations): the destination has it, and its source page may be gone
                continue;
            }
            var pieceEnd = gfn + 1;
            var pieceLimit = Math.Min(end, regionEnd);
            while (pieceEnd < pieceLimit && !_released.IsSet(pieceEnd))
            {
                pieceEnd++;
            }
            var pieceCount = (int)(pieceEnd - gfn);
            source.Read(gfn, pieceCount, buffer);
            var i = 0;
            while (i < pieceCount)
            {
                var zero = ZeroPage.IsZero(buffer.AsSpan(i * pageSize, pageSize));
                var j = i + 1;
                while (j < pieceCount && ZeroPage.IsZero(buffer.AsSpan(j * pageSize, pageSize)) == zero)
                {
                    j++;
                }
                var runFirst = gfn + (ulong)i;
                var runCount = j - i;
                if (markSent)
                {
                    MarkSent(runFirst, runCount);
                }
                if (zero)
                {
                    _options.Link?.Take(TransferFrameHeader.Size, TrafficClass.Background, _stop.Token);
                    writer.WriteZeroRun(runFirst, (uint)runCount, ZeroRunReason.ZeroContent);
                    Counters.AddZeroPages(TrafficClass.Background, runCount, TransferFrameHeader.Size);
                }
                else
                {
                    var bytes = runCount * pageSize;
                    _options.Link?.Take(TransferFrameHeader.Size + bytes, TrafficClass.Background, _stop.Token);
                    writer.WritePages(runFirst, runCount, buffer.AsSpan(i * pageSize, bytes));
                    AddPageCounters(runFirst, runCount, bytes);
                }
                i = j;
            }
            gfn += (ulong)pieceCount;
        }
    }

    private void AddPageCounters(ulong first, int count, int bytes)
    {
        if (_options.PageClassOf is null)
        {
            Counters.AddPages(TrafficClass.Background, 0, count, TransferFrameHeader.Size + bytes);
            return;
        }
        var pageBytes = bytes / count;
        for (var k = 0; k < count; k++)
        {
            Counters.AddPages(TrafficClass.Background, ClassOf(first + (ulong)k), 1, pageBytes + (k == 0 ? TransferFrameHeader.Size : 0));
        }
    }

    private int ClassOf(ulong gfn) => _options.PageClassOf is { } classOf ? Math.Clamp(classOf(gfn), 0, PageServerCounters.ClassSlots - 1) : 0;

    /// <summary>Consecutive ascending GFNs grouped into (first, count) runs.</summary>
    private static List<(ulong First, int Count)> Runs(ReadOnlySpan<ulong> gfns)
    {
        var runs = new List<(ulong, int)>();
        var i = 0;
        while (i < gfns.Length)
        {
            var j = i + 1;
            while (j < gfns.Length && gfns[j] == gfns[j - 1] + 1 && j - i < TransferLimits.MaxPagesPerFrame)
            {
                j++;
            }
            runs.Add((gfns[i], j - i));
            i = j;
        }
        return runs;
    }
}
