using System.Net;
using System.Net.Sockets;
using GuestAssist.Linux.Transports;

namespace GuestAssist.Host.Transfer;

/// <summary>
/// Page-transfer endpoints. Addresses are written in the one grammar of <see cref="TransportAddress"/>; the page path
/// runs over its <c>unix:/path</c> and <c>tcp:host:port</c> forms.
/// </summary>
internal static class TransferEndPoint
{
    /// <summary>The socket endpoint of a <c>unix:</c> or <c>tcp:</c> address; any other kind is refused with a typed error.</summary>
    public static EndPoint From(TransportAddress address) => address switch
    {
        UnixAddress unix => new UnixDomainSocketEndPoint(unix.Path),
        TcpAddress tcp => new IPEndPoint(tcp.Host, tcp.Port),
        null => throw new ArgumentNullException(nameof(address)),
        _ => throw new TransportAddressFormatException(address.ToString(), "pages travel over Unix sockets or TCP only", "unix:/path, tcp:host:port"),
    };

    /// <summary>Parses <paramref name="address"/> as a <see cref="TransportAddress"/> and returns its socket endpoint (see <see cref="From"/>).</summary>
    internal static EndPoint FromText(string address) => From(TransportAddress.Parse(address));

    public static Socket CreateSocket(EndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        if (endPoint is UnixDomainSocketEndPoint)
        {
            return new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        }
        return new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
    }

    /// <summary>An endpoint written back in the <see cref="TransportAddress"/> grammar.</summary>
    public static string Format(EndPoint endPoint) => endPoint switch
    {
        UnixDomainSocketEndPoint unix => "unix:" + unix,
        IPEndPoint ip => "tcp:" + ip,
        _ => endPoint?.ToString() ?? string.Empty,
    };
}
