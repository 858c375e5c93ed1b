namespace GuestAssist.Linux.Transports.HybridVsock;

/// <summary>An established host-to-guest hybrid vsock stream and the host port the VMM assigned to it.</summary>
internal sealed record HybridVsockConnection(Stream Stream, uint HostPort);
