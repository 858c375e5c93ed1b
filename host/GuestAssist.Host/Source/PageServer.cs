using System.Net;
using System.Net.Sockets;
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
/// </summary>
public sealed class PageServer : IDisposable
{
    private readonly IPageSource _source;
    private readonly GuestMemoryLayout _layout;
    private readonly Func<ulong[]?, ITransferSchedule> _scheduleFactory;
    private readonly PageServerOptions _options;
    private readonly Lock _gate = new();
    private readonly Socket?[] _channels = new Socket?[3];
    private readonly Thread?[] _threads = new Thread?[3];
    private readonly ManualResetEventSlim _backgroundDone = new();
    private readonly ManualResetEventSlim _destinationFinished = new();
    private readonly CancellationTokenSource _stop = new();
    private Socket? _listener;
    private Thread? _acceptThread;
    private volatile ITransferSchedule? _schedule;
    private Guid? _owner;
    private int _connections;

    public PageServer(IPageSource source, GuestMemoryLayout layout, Func<ulong[]?, ITransferSchedule> scheduleFactory, PageServerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(scheduleFactory);
        if (source.PageSize != layout.PageSize)
        {
            throw new ArgumentException($"page source uses {source.PageSize}-byte pages, the layout {layout.PageSize}", nameof(source));
        }
        _source = source;
        _layout = layout;
        _scheduleFactory = scheduleFactory;
        _options = options ?? new PageServerOptions();
        if (_options.BatchPages is < 1 or > TransferLimits.MaxPagesPerFrame)
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options.BatchPages, $"batch of 1..{TransferLimits.MaxPagesPerFrame} pages");
        }
    }

    public PageServerCounters Counters { get; } = new();

    internal PageServerOptions Options => _options;

    public EndPoint? LocalEndPoint => _listener?.LocalEndPoint;

    /// <summary>Description of the schedule serving the current background connection.</summary>
    public string? ScheduleDescription => _schedule?.Description;

    /// <summary>Set when a background connection sent its end-of-stream (every frame pushed or zero-filled).</summary>
    public WaitHandle BackgroundDone => _backgroundDone.WaitHandle;

    /// <summary>
    /// Set when the destination closed the background channel in order after its end of stream: it holds every page (it closes only
    /// once complete), so the source may free its copy. A destination that only lost the connection reconnects instead.
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

    public void Dispose()
    {
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
                ThreadNice.TrySetCurrent(ThreadNice.LatencyCritical);
                ServeUrgent(stream);
            }
            else
            {
                // The bulk stream yields the CPU to the urgent channel: on a 2-core host it otherwise delays faults.
                ThreadNice.TrySetCurrent(ThreadNice.Bulk);
                ServeBackground(stream, hello.ReceivedBitmap);
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

    private void ServeUrgent(Stream stream)
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
            var gfn = header.Gfn;
            Counters.AddUrgentRequest();
            if (!_layout.IsBacked(gfn))
            {
                writer.WriteZeroRun(gfn, 1, ZeroRunReason.Skipped);
                continue;
            }
            // Take the frame from the background order and re-centre pre-paging on it before answering, so the
            // stream does not send it again and its neighbours follow on the background channel.
            _schedule?.OnDemandFault(gfn);
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
        }
    }

    private void ServeBackground(Stream stream, ulong[]? receivedBitmap)
    {
        var schedule = _scheduleFactory(receivedBitmap);
        _schedule = schedule;
        var writer = new TransferStreamWriter(stream, _layout.PageSize);
        var gfns = new ulong[Math.Max(4096, _options.BatchPages)];
        int n;
        while ((n = schedule.TakeZeroFill(gfns)) > 0)
        {
            foreach (var (first, count) in Runs(gfns.AsSpan(0, n)))
            {
                _options.Link?.Take(TransferFrameHeader.Size, TrafficClass.Background, _stop.Token);
                writer.WriteZeroRun(first, (uint)count, ZeroRunReason.Skipped);
                Counters.AddSkipped(count, TransferFrameHeader.Size);
            }
        }
        var buffer = new byte[_options.BatchPages * (int)_layout.PageSize];
        while ((n = schedule.NextBatch(gfns.AsSpan(0, _options.BatchPages))) > 0)
        {
            Counters.AddBatch();
            foreach (var (first, count) in Runs(gfns.AsSpan(0, n)))
            {
                SendRun(writer, first, count, buffer);
            }
        }
        writer.WriteEndOfStream();
        _backgroundDone.Set();
        // Stay until the destination closes, so a reconnect is the only way to ask for more.
        var sink = new byte[64];
        while (stream.Read(sink) > 0)
        {
        }
        // An orderly close after the end of stream (a cut connection is an exception, and the destination reconnects).
        _destinationFinished.Set();
    }

    /// <summary>Sends frames [first, first+count): reads them region by region, zero pages as zero runs.</summary>
    private void SendRun(TransferStreamWriter writer, ulong first, int count, byte[] buffer)
    {
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
            var pieceCount = (int)(Math.Min(end, regionEnd) - gfn);
            _source.Read(gfn, pieceCount, buffer);
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
