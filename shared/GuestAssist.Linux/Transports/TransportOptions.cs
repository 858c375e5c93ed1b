using GuestAssist.Linux.Vsock;

namespace GuestAssist.Linux.Transports;

public sealed record TransportOptions
{
    public static TransportOptions Default { get; } = new();

    /// <summary>Bound on establishing a socket connection.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Bound on the hybrid vsock <c>CONNECT</c>/<c>OK</c> exchange.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Which peers a vsock listener keeps (the host only, by default).</summary>
    public VsockPeerPolicy VsockPeers { get; init; } = VsockPeerPolicy.HostOnly;

    public int ListenBacklog { get; init; } = 16;
}
