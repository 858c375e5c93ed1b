using GuestAssist.Linux.Transports.HybridVsock;
using GuestAssist.Linux.Transports.Serial;

namespace GuestAssist.Linux.Transports;

/// <summary>Turns an address into its transport.</summary>
internal static class TransportEndpoint
{
    public static ITransportEndpoint Create(string address, TransportOptions? options = null) =>
        Create(TransportAddress.Parse(address), options);

    public static ITransportEndpoint Create(TransportAddress address, TransportOptions? options = null)
    {
        options ??= TransportOptions.Default;
        return address switch
        {
            UnixAddress unix => new UnixTransport(unix, options),
            TcpAddress tcp => new TcpTransport(tcp, options),
            VsockAddress vsock => new VsockTransport(vsock, options),
            HybridVsockAddress hybrid => new HybridVsockTransport(hybrid, options),
            HybridVsockListenAddress hybridListen => new HybridVsockListenTransport(hybridListen, options),
            SerialPortAddress serial => new SerialPortTransport(serial),
            _ => throw new ArgumentException($"no transport for {address}", nameof(address)),
        };
    }
}
