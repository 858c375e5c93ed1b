using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace GuestAssist.Host.Transfer;

/// <summary>Page-transfer addresses: "unix:/path" or an absolute path (Unix socket), or "host:port" (TCP).</summary>
public static class TransferEndPoint
{
    public static EndPoint Parse(string address)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(address);
        if (address.StartsWith("unix:", StringComparison.Ordinal))
        {
            return new UnixDomainSocketEndPoint(address[5..]);
        }
        if (address.StartsWith('/'))
        {
            return new UnixDomainSocketEndPoint(address);
        }
        var colon = address.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(address.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            throw new FormatException($"'{address}' is not a page-transfer address (unix:/path, /path or host:port)");
        }
        var host = address[..colon].Trim('[', ']');
        var ip = host == "localhost" ? IPAddress.Loopback : IPAddress.Parse(host);
        return new IPEndPoint(ip, port);
    }

    public static Socket CreateSocket(EndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        if (endPoint is UnixDomainSocketEndPoint)
        {
            return new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        }
        return new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
    }

    public static string Format(EndPoint endPoint) => endPoint switch
    {
        UnixDomainSocketEndPoint unix => "unix:" + unix,
        IPEndPoint ip => ip.ToString(),
        _ => endPoint?.ToString() ?? string.Empty,
    };
}
