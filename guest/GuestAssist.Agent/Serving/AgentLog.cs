using GuestAssist.Protocol.V1;
using Microsoft.Extensions.Logging;

namespace GuestAssist.Agent.Serving;

/// <summary>The daemon's log lines, source-generated.</summary>
internal static partial class AgentLog
{
    [LoggerMessage(1, LogLevel.Information, "Listening on {Address}")]
    public static partial void Listening(this ILogger logger, string address);

    [LoggerMessage(2, LogLevel.Information, "{Connection}: connected")]
    public static partial void Connected(this ILogger logger, string connection);

    [LoggerMessage(3, LogLevel.Information, "{Connection}: closed ({Reason})")]
    public static partial void Disconnected(this ILogger logger, string connection, string reason);

    [LoggerMessage(4, LogLevel.Warning, "{Listener}: refusing a connection, {Limit} are already being served")]
    public static partial void TooManyConnections(this ILogger logger, string listener, int limit);

    [LoggerMessage(5, LogLevel.Warning, "{Listener}: accept failed, retrying: {Reason}")]
    public static partial void AcceptFailed(this ILogger logger, string listener, string reason);

    [LoggerMessage(6, LogLevel.Debug, "{Connection}: {Kind} request {Id}")]
    public static partial void Request(this ILogger logger, string connection, Envelope.BodyOneofCase kind, ulong id);

    [LoggerMessage(7, LogLevel.Warning, "{Connection}: {Kind} request {Id} failed: {Reason}")]
    public static partial void RequestFailed(this ILogger logger, string connection, Envelope.BodyOneofCase kind, ulong id, string reason);

    [LoggerMessage(8, LogLevel.Information, "{Connection}: negotiated protocol v{Version} with {Peer}; shared capabilities: {Capabilities}")]
    public static partial void Negotiated(this ILogger logger, string connection, uint version, string peer, string capabilities);

    [LoggerMessage(9, LogLevel.Information, "{Connection}: map {Sequence} sent: {Runs} runs in {Chunks} chunks ({Bytes} bytes), scan took {ScanMs} ms")]
    public static partial void MapSent(this ILogger logger, string connection, ulong sequence, int runs, int chunks, long bytes, double scanMs);

    [LoggerMessage(10, LogLevel.Information, "{Connection}: eviction session {Session} started (mode {Mode}, heartbeat timeout {HeartbeatTimeoutMs} ms; 0: none)")]
    public static partial void EvictionStarted(this ILogger logger, string connection, ulong session, EvictionMode mode, uint heartbeatTimeoutMs);

    [LoggerMessage(11, LogLevel.Information, "{Connection}: eviction session {Session} ended (succeeded: {Succeeded})")]
    public static partial void EvictionEnded(this ILogger logger, string connection, ulong session, bool succeeded);

    [LoggerMessage(12, LogLevel.Warning, "{Connection}: eviction session {Session} abandoned: its connection closed")]
    public static partial void EvictionAbandoned(this ILogger logger, string connection, ulong session);

    [LoggerMessage(13, LogLevel.Warning, "{Listener}: serial port unavailable, retrying: {Reason}")]
    public static partial void SerialUnavailable(this ILogger logger, string listener, string reason);

    [LoggerMessage(16, LogLevel.Warning, "{Connection}: no Hello within {Seconds} s; closing")]
    public static partial void HelloTimedOut(this ILogger logger, string connection, double seconds);

    [LoggerMessage(17, LogLevel.Information, "{Connection}: idle for {Seconds} s with nothing in flight; closing")]
    public static partial void IdleTimedOut(this ILogger logger, string connection, double seconds);

    [LoggerMessage(18, LogLevel.Warning, "{Connection}: closed after {Seconds:F0} s idle to make room: all {Limit} slots of its listener were taken")]
    public static partial void EvictedForSlot(this ILogger logger, string connection, double seconds, int limit);

    [LoggerMessage(14, LogLevel.Information, "Offering protocol {Versions} with capabilities: {Capabilities}")]
    public static partial void Offering(this ILogger logger, string versions, string capabilities);

    [LoggerMessage(19, LogLevel.Debug, "Memory trimmed: GC heap {HeapKiB} KiB ({FragmentedKiB} KiB fragmented), {CommittedKiB} KiB committed, {AllocatedMiB} MiB allocated since start; RSS {RssKiB} KiB")]
    public static partial void MemoryTrimmed(this ILogger logger, long heapKiB, long fragmentedKiB, long committedKiB, long allocatedMiB, long rssKiB);

    [LoggerMessage(20, LogLevel.Debug, "{Connection}: after the map: GC heap {HeapKiB} KiB, {CommittedKiB} KiB committed, {Gen0} gen0 and {Gen2} gen2 collections so far; RSS {RssKiB} KiB")]
    public static partial void MemoryAfterMap(this ILogger logger, string connection, long heapKiB, long committedKiB, int gen0, int gen2, long rssKiB);

    [LoggerMessage(15, LogLevel.Warning, "Degraded: {Line}")]
    public static partial void Degraded(this ILogger logger, string line);
}
