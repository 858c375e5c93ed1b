using System.Net;
using System.Net.Sockets;

namespace GuestAssist.Linux.Transports;

/// <summary><c>tcp:host:port</c> — TCP, meant for loopback tooling and tests.</summary>
internal sealed record TcpAddress(IPAddress Host, ushort Port) : TransportAddress
{
    public IPEndPoint EndPoint => new(Host, Port);

    public override string ToString() =>
        Host.AddressFamily == AddressFamily.InterNetworkV6 ? $"tcp:[{Host}]:{Port}" : $"tcp:{Host}:{Port}";
}
