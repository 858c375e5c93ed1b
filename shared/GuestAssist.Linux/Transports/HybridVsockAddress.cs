namespace GuestAssist.Linux.Transports;

/// <summary>
/// <c>hybrid:/uds_path:port</c> — host to guest through a Firecracker/Cloud Hypervisor vsock muxer:
/// connect to the VMM's Unix socket and ask for guest port <see cref="Port"/> with <c>CONNECT</c>.
/// </summary>
internal sealed record HybridVsockAddress(string UdsPath, uint Port) : TransportAddress
{
    public override string ToString() => $"hybrid:{UdsPath}:{Port}";
}
