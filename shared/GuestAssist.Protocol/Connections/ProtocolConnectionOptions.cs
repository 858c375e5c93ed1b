using GuestAssist.Protocol.Framing;

namespace GuestAssist.Protocol.Connections;

public sealed class ProtocolConnectionOptions
{
    public int MaxFrameSize { get; init; } = FrameFormat.DefaultMaxFrameSize;

    /// <summary>Used when a call passes no timeout; <see cref="Timeout.InfiniteTimeSpan"/> waits forever.</summary>
    public TimeSpan DefaultRequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Serves the peer's requests; null answers every request with UNSUPPORTED.</summary>
    public IRequestHandler? RequestHandler { get; init; }

    /// <summary>Requests handled at once; further requests wait (the reader stops reading meanwhile).</summary>
    public int MaxConcurrentRequests { get; init; } = 16;

    /// <summary>Whether disposing the connection leaves the stream open.</summary>
    public bool LeaveOpen { get; init; }

    /// <summary>A name for messages and diagnostics, e.g. "agent vsock:2:7000".</summary>
    public string Name { get; init; } = "connection";
}
