using System.Net;
using GuestAssist.Linux.Transports;
using GuestAssist.Linux.Vsock;

namespace GuestAssist.Linux.Tests.Transports;

public class TransportAddressTests
{
    public static TheoryData<string, TransportAddress, string> Valid => new()
    {
        { "unix:/run/guestassist.sock", new UnixAddress("/run/guestassist.sock"), "unix:/run/guestassist.sock" },
        { "unix:relative.sock", new UnixAddress("relative.sock"), "unix:relative.sock" },
        { "UNIX:/a", new UnixAddress("/a"), "unix:/a" },
        { "tcp:127.0.0.1:7000", new TcpAddress(IPAddress.Loopback, 7000), "tcp:127.0.0.1:7000" },
        { "tcp:127.0.0.1:0", new TcpAddress(IPAddress.Loopback, 0), "tcp:127.0.0.1:0" },
        { "tcp:[::1]:65535", new TcpAddress(IPAddress.IPv6Loopback, 65535), "tcp:[::1]:65535" },
        { "vsock:3:52", new VsockAddress(3, 52), "vsock:3:52" },
        { "vsock:2:1024", new VsockAddress(VsockCid.Host, 1024), "vsock:2:1024" },
        { "vsock:52", new VsockAddress(VsockCid.Any, 52), "vsock:52" },
        { "vsock:4294967295:4294967295", new VsockAddress(VsockCid.Any, VsockPort.Any), "vsock:4294967295" },
        { "hybrid:/srv/vm/v.sock:52", new HybridVsockAddress("/srv/vm/v.sock", 52), "hybrid:/srv/vm/v.sock:52" },
        { "hybrid:/a:b/v.sock:52", new HybridVsockAddress("/a:b/v.sock", 52), "hybrid:/a:b/v.sock:52" },
        { "hybrid-listen:/srv/vm/v.sock:5000", new HybridVsockListenAddress("/srv/vm/v.sock", 5000), "hybrid-listen:/srv/vm/v.sock:5000" },
        { "serial:/dev/virtio-ports/org.guestassist.0", new SerialPortAddress("/dev/virtio-ports/org.guestassist.0"), "serial:/dev/virtio-ports/org.guestassist.0" },
        { "serial:org.guestassist.0", new SerialPortAddress("/dev/virtio-ports/org.guestassist.0"), "serial:/dev/virtio-ports/org.guestassist.0" },
        { "serial:/dev/pts/3", new SerialPortAddress("/dev/pts/3"), "serial:/dev/pts/3" },
    };

    public static TheoryData<string, string> Invalid => new()
    {
        { "", "the address is empty" },
        { "   ", "the address is empty" },
        { "/run/x.sock", "no scheme" },
        { ":foo", "no scheme" },
        { "http://x", "unknown scheme \"http\"" },
        { "unix:", "the socket path is empty" },
        { "unix:/" + new string('a', 107), "is 108 bytes; Unix sockets allow at most 107" },
        { "tcp:127.0.0.1", "expected tcp:host:port" },
        { "tcp:localhost:80", "\"localhost\" is not an IP address" },
        { "tcp:127.0.0.1:65536", "\"65536\" is not a TCP port (0-65535)" },
        { "tcp:127.0.0.1:-1", "\"-1\" is not a TCP port" },
        { "tcp:7000", "expected tcp:host:port" },
        { "vsock:", "expected vsock:cid:port or vsock:port" },
        { "vsock:1:2:3", "expected vsock:cid:port or vsock:port" },
        { "vsock:host:52", "\"host\" is not a CID" },
        { "vsock:2:4294967296", "\"4294967296\" is not a vsock port" },
        { "vsock:2:", "expected vsock:cid:port or vsock:port" },
        { "hybrid:/v.sock", "expected hybrid:/uds_path:port" },
        { "hybrid:/v.sock:x", "\"x\" is not a vsock port" },
        { "hybrid::52", "expected hybrid:/uds_path:port" },
        { "hybrid-listen:/v.sock", "expected hybrid-listen:/uds_path:port" },
        { "hybrid-listen:/" + new string('a', 103) + ":5000", "the listening socket path" },
        { "serial:", "expected serial:/dev/virtio-ports/name or serial:name" },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void Parses_and_prints_canonically(string text, TransportAddress expected, string canonical)
    {
        var address = TransportAddress.Parse(text);

        Assert.Equal(expected, address);
        Assert.Equal(canonical, address.ToString());
        Assert.Equal(address, TransportAddress.Parse(canonical));
    }

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Rejects_with_a_reason(string text, string reason)
    {
        var error = Assert.Throws<TransportAddressFormatException>(() => TransportAddress.Parse(text));

        Assert.Equal(text, error.Input);
        Assert.Contains(reason, error.Reason);
        Assert.StartsWith($"invalid transport address \"{text}\": ", error.Message);
        Assert.EndsWith("expected one of unix:/path, tcp:host:port, vsock:cid:port, vsock:port, hybrid:/uds_path:port, hybrid-listen:/uds_path:port, serial:/dev/virtio-ports/name", error.Message);
        Assert.False(TransportAddress.TryParse(text, out _));
    }

    [Fact]
    public void Hybrid_listen_socket_is_uds_path_underscore_port() =>
        Assert.Equal("/srv/vm/v.sock_5000", new HybridVsockListenAddress("/srv/vm/v.sock", 5000).SocketPath);

    [Theory]
    [InlineData("unix:/a", typeof(UnixTransport), true, true)]
    [InlineData("tcp:127.0.0.1:1", typeof(TcpTransport), true, true)]
    [InlineData("vsock:3:1", typeof(VsockTransport), true, true)]
    [InlineData("vsock:1", typeof(VsockTransport), false, true)]
    [InlineData("hybrid:/a:1", typeof(GuestAssist.Linux.Transports.HybridVsock.HybridVsockTransport), true, false)]
    [InlineData("hybrid-listen:/a:1", typeof(GuestAssist.Linux.Transports.HybridVsock.HybridVsockListenTransport), false, true)]
    [InlineData("serial:x", typeof(GuestAssist.Linux.Transports.Serial.SerialPortTransport), true, false)]
    public void Every_address_has_a_transport(string text, Type type, bool canConnect, bool canListen)
    {
        var endpoint = TransportEndpoint.Create(text);

        Assert.IsType(type, endpoint);
        Assert.Equal(text.Replace("serial:x", "serial:/dev/virtio-ports/x", StringComparison.Ordinal), endpoint.Address.ToString());
        Assert.Equal((canConnect, canListen), (endpoint.CanConnect, endpoint.CanListen));
    }
}
