using System.Diagnostics;
using GuestAssist.Protocol.Connections;
using GuestAssist.Protocol.Framing;
using GuestAssist.Protocol.Handshake;
using GuestAssist.Protocol.PageMaps;
using GuestAssist.Protocol.V1;
using Microsoft.Extensions.Logging;

namespace GuestAssist.Agent.Serving;

/// <summary>
/// The agent's RPC boundary for one connection: one method per message kind, each doing its policy check
/// and calling into the runtime. Failures are thrown and become Error replies in exactly one place,
/// <see cref="ProtocolErrorMapper"/> (run by the connection), so nothing a handler does crosses the wire raw.
/// </summary>
internal sealed class AgentRequestHandler(AgentRuntime runtime, string connection, ILogger logger) : IRequestHandler
{
    private NegotiatedSession? _session;

    public string Connection => connection;

    public NegotiatedSession? Session => Volatile.Read(ref _session);

    public async ValueTask HandleAsync(IncomingRequest request, CancellationToken cancellationToken)
    {
        logger.Request(connection, request.Kind, request.Id);
        runtime.Evictions.RequestStarted(connection);
        try
        {
            await DispatchAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            logger.RequestFailed(connection, request.Kind, request.Id, ProtocolErrorMapper.ChainedMessage(ex));
            throw;
        }
        finally
        {
            // A long request (a scan) is not silence: the host is heard again when its answer goes out.
            runtime.Evictions.RequestEnded(connection);
        }
    }

    private ValueTask DispatchAsync(IncomingRequest request, CancellationToken cancellationToken)
    {
        var body = request.Envelope;
        if (request.Kind == Envelope.BodyOneofCase.Hello)
        {
            return HelloAsync(request, cancellationToken);
        }
        var session = Session ?? throw new ProtocolException(
            ErrorCode.PermissionDenied,
            $"{request.Kind} request {request.Id} before Hello: the first request on a connection must be Hello");
        return request.Kind switch
        {
            Envelope.BodyOneofCase.GetStatus => GetStatusAsync(request, cancellationToken),
            Envelope.BodyOneofCase.GetMemoryMap => GetMemoryMapAsync(request, session, body.GetMemoryMap, cancellationToken),
            Envelope.BodyOneofCase.Heartbeat => HeartbeatAsync(request, body.Heartbeat, cancellationToken),
            Envelope.BodyOneofCase.BeginEviction => BeginEvictionAsync(request, body.BeginEviction, cancellationToken),
            Envelope.BodyOneofCase.EndEviction => EndEvictionAsync(request, body.EndEviction, cancellationToken),
            Envelope.BodyOneofCase.DirtyFrames => DirtyFramesAsync(request, body.DirtyFrames, cancellationToken),
            Envelope.BodyOneofCase.SetThrottlePolicy => SetThrottlePolicyAsync(request, session, body.SetThrottlePolicy, cancellationToken),
            Envelope.BodyOneofCase.ReleaseThrottle => ReleaseThrottleAsync(request, body.ReleaseThrottle, cancellationToken),
            _ => throw new ProtocolException(
                ErrorCode.UnknownMessage,
                $"{request.Kind} is not a request the agent serves (it is sent by the agent, not to it)"),
        };
    }

    private async ValueTask HelloAsync(IncomingRequest request, CancellationToken cancellationToken)
    {
        // Requests run concurrently: the session must be in place before the HelloAck can reach the host,
        // or its next request could race ahead of it and be refused as "before Hello".
        var session = HandshakeNegotiator.Accept(runtime.Offer, request.Envelope.Hello, out var ack);
        if (Interlocked.CompareExchange(ref _session, session, null) is not null)
        {
            throw new ProtocolException(ErrorCode.InvalidArgument, "Hello was already answered on this connection; open a new connection to renegotiate");
        }
        await request.ReplyAsync(new Envelope { HelloAck = ack }, cancellationToken).ConfigureAwait(false);
        logger.Negotiated(connection, session.Version, session.PeerSoftware, string.Join(", ", session.Capabilities));
    }

    private async ValueTask GetStatusAsync(IncomingRequest request, CancellationToken cancellationToken)
    {
        var now = MonotonicClock.NowNs();
        var info = runtime.Source.Info;
        var status = new AgentStatus
        {
            Software = runtime.Offer.Software,
            UptimeNs = now - runtime.StartedNs,
            GuestMonotonicNs = now,
            PageSize = info.PageSize,
            RamFrames = info.RamFrames,
            ActiveEvictionSession = runtime.Evictions.Active?.Id ?? 0,
            ThrottledProcesses = (uint)runtime.Throttling.ThrottledCount,
            Throttle = runtime.Throttling.Status(),
        };
        status.Capabilities.AddRange(runtime.Offer.Capabilities);
        status.Degraded.AddRange(info.Degraded);
        await request.ReplyAsync(new Envelope { AgentStatus = status }, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask GetMemoryMapAsync(IncomingRequest request, NegotiatedSession session, GetMemoryMap ask, CancellationToken cancellationToken)
    {
        Require(session, Capabilities.MemoryMapV1, "GetMemoryMap");
        if (ask.IncludeHeat)
        {
            Require(session, Capabilities.MemoryMapHeat, "GetMemoryMap with heat");
        }
        if (ask.IncludeOwners)
        {
            Require(session, Capabilities.MemoryMapOwners, "GetMemoryMap with owners");
        }
        var chunkBytes = ask.MaxChunkBytes == 0 ? runtime.Options.DefaultChunkBytes : (int)Math.Min(ask.MaxChunkBytes, (uint)int.MaxValue);
        if (chunkBytes < PageClassMapCodec.MinChunkBytes || chunkBytes > runtime.Options.MaxChunkBytes)
        {
            throw new ArgumentException(
                $"max_chunk_bytes {ask.MaxChunkBytes} is outside {PageClassMapCodec.MinChunkBytes}..{runtime.Options.MaxChunkBytes} (0 = agent default)");
        }
        // The owner index costs a walk of every process's pagemap (half the map's time on a one-vCPU guest): made with the
        // map only once the host's DirtyFrames windows flow. A host holds them back while the guest dirties under its
        // budget, so a guest nobody needs to throttle never pays for it; otherwise the first window builds it.
        var indexOwners = runtime.Evictions.Active is not null && runtime.Throttling.ReceivesHostWindows;
        var mapRequest = new MemoryMapRequest(ask.IncludeHeat, ask.IncludeOwners, [.. ask.OwnerPids], chunkBytes, IndexOwners: indexOwners);
        // Scan and encode under the gate (the source reuses its buffers on the next scan); the chunks are the
        // receiver's, so sending happens outside it and a slow host never holds up the next scan.
        var (scanned, scanMs) = await runtime.Scans.RunAsync(
            async token =>
            {
                var started = Stopwatch.GetTimestamp();
                var map = await runtime.Source.ScanAsync(mapRequest, token).ConfigureAwait(false);
                return (map, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            },
            cancellationToken).ConfigureAwait(false);
        runtime.RecordEpoch(scanned.Epoch);
        long bytes = 0;
        foreach (var chunk in scanned.Chunks)
        {
            chunk.HeatMethod = scanned.HeatMethod;
            bytes += chunk.EncodedRuns.Length;
            await request.ReplyAsync(new Envelope { MemoryMapChunk = chunk }, cancellationToken).ConfigureAwait(false);
        }
        logger.MapSent(connection, scanned.Epoch.Sequence, scanned.RunCount, scanned.Chunks.Count, bytes, scanMs);
        if (logger.IsEnabled(LogLevel.Debug))
        {
            var gc = GC.GetGCMemoryInfo(GCKind.Any);
            logger.MemoryAfterMap(connection, gc.HeapSizeBytes >> 10, gc.TotalCommittedBytes >> 10, GC.CollectionCount(0), GC.CollectionCount(2), Environment.WorkingSet >> 10);
        }
    }

    private async ValueTask HeartbeatAsync(IncomingRequest request, Heartbeat heartbeat, CancellationToken cancellationToken)
    {
        var reply = new Heartbeat { Sequence = heartbeat.Sequence, MonotonicNs = MonotonicClock.NowNs() };
        await request.ReplyAsync(new Envelope { Heartbeat = reply }, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask BeginEvictionAsync(IncomingRequest request, BeginEviction begin, CancellationToken cancellationToken)
    {
        var session = runtime.BeginEviction(connection, begin);
        logger.EvictionStarted(connection, session.Id, begin.Mode, begin.HeartbeatTimeoutMs);
        var reply = new EvictionStarted { SessionId = session.Id, Epoch = session.Epoch.Clone() };
        await request.ReplyAsync(new Envelope { EvictionStarted = reply }, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask EndEvictionAsync(IncomingRequest request, EndEviction end, CancellationToken cancellationToken)
    {
        var session = runtime.Evictions.End(connection, end.SessionId);
        var released = runtime.Throttling.ReleaseAll($"eviction session {session.Id} ended");
        logger.EvictionEnded(connection, session.Id, end.Succeeded);
        var reply = new EvictionEnded { SessionId = session.Id, ReleasedProcesses = (uint)released };
        await request.ReplyAsync(new Envelope { EvictionEnded = reply }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The host's dirty log for one window: who wrote those frames, and (with a policy) throttling driven by it.</summary>
    private async ValueTask DirtyFramesAsync(IncomingRequest request, DirtyFrames dirty, CancellationToken cancellationToken)
    {
        runtime.Evictions.Owned(connection, dirty.SessionId);
        if (runtime.Source is not IFrameOwnerSource owners)
        {
            throw new ProtocolException(ErrorCode.Unsupported, "DirtyFrames needs frame owners, which this agent's map source cannot give");
        }
        if (dirty.WindowNs == 0)
        {
            throw new ArgumentException("window_ns must be positive");
        }
        var runs = PageClassMapCodec.DecodeRuns(dirty.EncodedRuns.Span, dirty.FirstGfn, PageClassMapCodec.MaxTotalFrames);
        // Known as soon as it arrives, even while a map scan holds the gate: the host's log drives throttling, not soft-dirty.
        runtime.Throttling.NoteHostWindow();
        // The scan gate keeps owner rebuilds and their readers from racing map scans over the same reused buffers.
        var attribution = await runtime.Scans.RunAsync(
            async token =>
            {
                var index = await owners.OwnersAsync(TimeSpan.FromSeconds(5), token).ConfigureAwait(false);
                return DirtyAttributor.Attribute(index, runs, dirty.WindowNs, runtime.Source.Info.PageSize);
            },
            cancellationToken).ConfigureAwait(false);
        attribution.SessionId = dirty.SessionId;
        runtime.Throttling.Observe([.. attribution.Processes.Select(p => new Guest.Throttling.DirtyRateSample(p.Pid, p.BytesPerSecond, p.Method))]);
        await request.ReplyAsync(new Envelope { DirtyAttribution = attribution }, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask SetThrottlePolicyAsync(IncomingRequest request, NegotiatedSession session, SetThrottlePolicy policy, CancellationToken cancellationToken)
    {
        Require(session, policy.Method is ThrottleMethod.CgroupCpu or ThrottleMethod.CgroupFreeze ? Capabilities.ThrottleCgroup : Capabilities.ThrottleSigstop, "SetThrottlePolicy");
        var eviction = runtime.Evictions.Owned(connection, policy.SessionId);
        var status = runtime.Throttling.Apply(eviction.Id, policy);
        await request.ReplyAsync(new Envelope { ThrottleStatus = status }, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask ReleaseThrottleAsync(IncomingRequest request, ReleaseThrottle release, CancellationToken cancellationToken)
    {
        runtime.Evictions.Owned(connection, release.SessionId);
        var status = runtime.Throttling.Release([.. release.Pids]);
        await request.ReplyAsync(new Envelope { ThrottleStatus = status }, cancellationToken).ConfigureAwait(false);
    }

    private static void Require(NegotiatedSession session, string capability, string what)
    {
        if (!session.Has(capability))
        {
            throw new ProtocolException(
                ErrorCode.Unsupported,
                $"{what} needs capability {capability}, which was not negotiated on this connection");
        }
    }

    private static ProtocolException NotImplemented(IncomingRequest request, string capability) =>
        new(ErrorCode.Unsupported, $"{request.Kind} is not implemented by this agent (capability {capability} is not offered)");
}
