namespace GuestAssist.Linux.Transports;

/// <summary>
/// <c>hybrid-listen:/uds_path:port</c> — guest to host through a Firecracker/Cloud Hypervisor muxer:
/// the VMM forwards a guest connection to host port <see cref="Port"/> to a Unix socket listening
/// at <c>uds_path_port</c>.
/// </summary>
internal sealed record HybridVsockListenAddress(string UdsPath, uint Port) : TransportAddress
{
    public string SocketPath => SocketPathFor(UdsPath, Port);

    public static string SocketPathFor(string udsPath, uint port) => $"{udsPath}_{port}";

    public override string ToString() => $"hybrid-listen:{UdsPath}:{Port}";
}
