using System.Diagnostics;
using GuestAssist.Linux.Transports;
using GuestAssist.Protocol.Connections;
using GuestAssist.Protocol.Framing;
using GuestAssist.Protocol.Handshake;
using GuestAssist.Protocol.PageMaps;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Host.Agent;

/// <summary>
/// The host's side of the agent protocol: connect over any transport, Hello, then typed calls. An agent's
/// Error reply surfaces as <see cref="RemoteErrorException"/> (its code intact), a disjoint version range
/// as <see cref="VersionMismatchException"/>, a reply of the wrong kind or a map that does not add up as
/// <see cref="ProtocolException"/>. Thread-safe: calls may overlap.
/// </summary>
public sealed class AgentClient : IAsyncDisposable
{
    private readonly ProtocolConnection _connection;
    private readonly AgentClientOptions _options;
    private long _heartbeatSequence;

    private AgentClient(ProtocolConnection connection, AgentClientOptions options, NegotiatedSession session, string peer)
    {
        _connection = connection;
        _options = options;
        Session = session;
        Peer = peer;
    }

    public NegotiatedSession Session { get; }

    /// <summary>Where the agent was reached, for messages.</summary>
    public string Peer { get; }

    public ProtocolConnection Connection => _connection;

    public static async Task<AgentClient> ConnectAsync(TransportAddress address, AgentClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        options ??= new AgentClientOptions();
        var stream = await TransportEndpoint.Create(address, options.Transport).ConnectAsync(cancellationToken).ConfigureAwait(false);
        return await ConnectAsync(stream, address.ToString(), options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs the protocol over an already open stream (owned by the client from now on).</summary>
    public static async Task<AgentClient> ConnectAsync(Stream stream, string peer, AgentClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        options ??= new AgentClientOptions();
        var connection = new ProtocolConnection(stream, new ProtocolConnectionOptions
        {
            Name = $"agent client {peer}",
            MaxFrameSize = options.MaxFrameSize,
            DefaultRequestTimeout = options.RequestTimeout,
        });
        try
        {
            var session = await HandshakeNegotiator.HelloAsync(connection, options.Offer, options.RequestTimeout, cancellationToken).ConfigureAwait(false);
            return new AgentClient(connection, options, session, peer);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async Task<AgentStatus> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        var reply = await RequestAsync(new Envelope { GetStatus = new GetStatus() }, cancellationToken).ConfigureAwait(false);
        return Expect(reply, Envelope.BodyOneofCase.AgentStatus, "GetStatus").AgentStatus;
    }

    /// <summary>
    /// Asks for a fresh scan and assembles the chunks as they arrive (validating each). The timestamp is
    /// taken immediately before the request goes out.
    /// </summary>
    public async Task<AgentMemoryMap> GetMemoryMapAsync(
        bool includeHeat,
        bool includeOwners,
        uint maxChunkBytes = 0,
        IEnumerable<int>? ownerPids = null,
        CancellationToken cancellationToken = default)
    {
        var request = new GetMemoryMap { IncludeHeat = includeHeat, IncludeOwners = includeOwners, MaxChunkBytes = maxChunkBytes };
        if (ownerPids is not null)
        {
            request.OwnerPids.AddRange(ownerPids);
        }
        var assembler = new PageClassMapAssembler();
        var heatMethod = HeatMethod.Unspecified;
        long encodedBytes = 0;
        var stream = _connection.RequestStreamAsync(new Envelope { GetMemoryMap = request }, _options.MapChunkTimeout, cancellationToken: cancellationToken);
        // The request is sent on the first MoveNextAsync: stamp the time just before it.
        var requestedAt = Stopwatch.GetTimestamp();
        await foreach (var reply in stream.ConfigureAwait(false))
        {
            var chunk = Expect(reply, Envelope.BodyOneofCase.MemoryMapChunk, "GetMemoryMap").MemoryMapChunk;
            assembler.Add(chunk);
            heatMethod = chunk.HeatMethod;
            encodedBytes += chunk.EncodedRuns.Length;
        }
        if (!assembler.IsComplete)
        {
            throw new ProtocolException(ErrorCode.MalformedFrame, $"{Peer}: the memory map ended after {assembler.ChunkCount} chunks without a last chunk");
        }
        return new AgentMemoryMap(assembler.Build(), requestedAt, heatMethod, assembler.ChunkCount, encodedBytes);
    }

    /// <summary>Sends the next heartbeat and returns the agent's echo (same sequence, the guest's CLOCK_MONOTONIC).</summary>
    public async Task<Heartbeat> HeartbeatAsync(CancellationToken cancellationToken = default)
    {
        var sequence = (ulong)Interlocked.Increment(ref _heartbeatSequence);
        var heartbeat = new Heartbeat { Sequence = sequence, MonotonicNs = (ulong)Stopwatch.GetTimestamp() };
        var reply = await RequestAsync(new Envelope { Heartbeat = heartbeat }, cancellationToken).ConfigureAwait(false);
        var echo = Expect(reply, Envelope.BodyOneofCase.Heartbeat, "Heartbeat").Heartbeat;
        if (echo.Sequence != sequence)
        {
            throw new ProtocolException(ErrorCode.InvalidArgument, $"{Peer}: heartbeat {sequence} was answered with sequence {echo.Sequence}");
        }
        return echo;
    }

    public async Task<EvictionStarted> BeginEvictionAsync(BeginEviction request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var reply = await RequestAsync(new Envelope { BeginEviction = request }, cancellationToken).ConfigureAwait(false);
        return Expect(reply, Envelope.BodyOneofCase.EvictionStarted, "BeginEviction").EvictionStarted;
    }

    public async Task<EvictionEnded> EndEvictionAsync(ulong sessionId, bool succeeded, CancellationToken cancellationToken = default)
    {
        var request = new EndEviction { SessionId = sessionId, Succeeded = succeeded };
        var reply = await RequestAsync(new Envelope { EndEviction = request }, cancellationToken).ConfigureAwait(false);
        return Expect(reply, Envelope.BodyOneofCase.EvictionEnded, "EndEviction").EvictionEnded;
    }

    /// <summary>Asks the agent to hold rogue dirtiers at the policy's budget during eviction session <c>policy.SessionId</c>.</summary>
    public async Task<ThrottleStatus> SetThrottlePolicyAsync(SetThrottlePolicy policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var reply = await RequestAsync(new Envelope { SetThrottlePolicy = policy }, cancellationToken).ConfigureAwait(false);
        return Expect(reply, Envelope.BodyOneofCase.ThrottleStatus, "SetThrottlePolicy").ThrottleStatus;
    }

    /// <summary>Continues the given processes (all when none are given).</summary>
    public async Task<ThrottleStatus> ReleaseThrottleAsync(ulong sessionId, IEnumerable<int>? pids = null, CancellationToken cancellationToken = default)
    {
        var request = new ReleaseThrottle { SessionId = sessionId };
        request.Pids.AddRange(pids ?? []);
        var reply = await RequestAsync(new Envelope { ReleaseThrottle = request }, cancellationToken).ConfigureAwait(false);
        return Expect(reply, Envelope.BodyOneofCase.ThrottleStatus, "ReleaseThrottle").ThrottleStatus;
    }

    /// <summary>Sends one window of the host's dirty log (GFN runs in the class-map codec) and returns who dirtied those frames.</summary>
    public async Task<DirtyAttribution> SendDirtyFramesAsync(ulong sessionId, IReadOnlyList<(ulong FirstGfn, ulong Count)> runs, TimeSpan window, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var ordered = runs.OrderBy(r => r.FirstGfn).ToList();
        var classRuns = new List<GuestAssist.Protocol.PageMaps.ClassRun>();
        var first = ordered.Count == 0 ? 0 : ordered[0].FirstGfn;
        var next = first;
        foreach (var (start, count) in ordered)
        {
            if (start > next)
            {
                classRuns.Add(new(next, start - next, PageClass.Unbacked)); // a gap: not dirty
            }
            classRuns.Add(new(start, count, PageClass.Kernel));
            next = start + count;
        }
        var request = new DirtyFrames
        {
            SessionId = sessionId,
            WindowNs = (ulong)(window.Ticks * 100),
            FirstGfn = first,
            EncodedRuns = Google.Protobuf.ByteString.CopyFrom(GuestAssist.Protocol.PageMaps.PageClassMapCodec.EncodeRuns([.. classRuns], first)),
        };
        var reply = await RequestAsync(new Envelope { DirtyFrames = request }, cancellationToken).ConfigureAwait(false);
        return Expect(reply, Envelope.BodyOneofCase.DirtyAttribution, "DirtyFrames").DirtyAttribution;
    }

    /// <summary>
    /// Who the agent throttles, as a stream: the agent's status every <paramref name="interval"/> (each poll also
    /// counts as hearing from the host). Completes when the subscription is disposed; errors when the agent does.
    /// </summary>
    public IObservable<ThrottleStatus> ThrottleUpdates(TimeSpan interval) =>
        System.Reactive.Linq.Observable.Create<ThrottleStatus>(async (observer, cancellationToken) =>
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var status = await GetStatusAsync(cancellationToken).ConfigureAwait(false);
                observer.OnNext(status.Throttle ?? new ThrottleStatus());
                await Task.Delay(interval, cancellationToken).ConfigureAwait(false);
            }
        });

    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    private Task<Envelope> RequestAsync(Envelope request, CancellationToken cancellationToken) =>
        _connection.RequestAsync(request, _options.RequestTimeout, cancellationToken);

    private Envelope Expect(Envelope reply, Envelope.BodyOneofCase kind, string request) =>
        reply.BodyCase == kind
            ? reply
            : throw new ProtocolException(ErrorCode.MalformedFrame, $"{Peer}: expected {kind} in reply to {request}, got {reply.BodyCase}");
}
