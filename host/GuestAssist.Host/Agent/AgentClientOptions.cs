using GuestAssist.Linux.Transports;
using GuestAssist.Protocol.Framing;
using GuestAssist.Protocol.Handshake;

namespace GuestAssist.Host.Agent;

/// <summary>How the host talks to an agent.</summary>
public sealed record AgentClientOptions
{
    public const string SoftwareName = "guestassist-host/0.1.0";

    /// <summary>Versions and capabilities offered in Hello; by default everything this build knows.</summary>
    public HandshakeOffer Offer { get; init; } = HandshakeOffer.Default(SoftwareName);

    /// <summary>Bound on Hello, status, heartbeat and eviction requests.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Bound on each memory-map chunk, the first included (it waits for the scan and the heat window).</summary>
    public TimeSpan MapChunkTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public int MaxFrameSize { get; init; } = FrameFormat.DefaultMaxFrameSize;

    public TransportOptions Transport { get; init; } = TransportOptions.Default;
}
