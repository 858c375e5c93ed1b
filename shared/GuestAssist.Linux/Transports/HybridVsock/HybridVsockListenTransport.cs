namespace GuestAssist.Linux.Transports.HybridVsock;

/// <summary>
/// Guest to host through a Firecracker / Cloud Hypervisor vsock muxer: the VMM turns a guest connect
/// to (CID 2, port P) into a Unix connection to <c>uds_path_P</c>, where this listens.
/// </summary>
internal sealed class HybridVsockListenTransport(HybridVsockListenAddress address, TransportOptions options) : ITransportEndpoint
{
    public TransportAddress Address => address;

    public bool CanConnect => false;

    public bool CanListen => true;

    public ValueTask<Stream> ConnectAsync(CancellationToken cancellationToken) =>
        throw new TransportException(address, TransportOperation.Connect, TransportFailure.NotSupported,
            $"hybrid-listen: accepts guest-initiated connections; to connect to the guest use hybrid:{address.UdsPath}:{address.Port}");

    public ITransportListener Listen() => UnixSocketFile.Listen(address, address.SocketPath, options.ListenBacklog);
}
