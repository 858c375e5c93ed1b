using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Text;
using GuestAssist.Linux.Vsock;

namespace GuestAssist.Linux.Transports;

/// <summary>
/// Where to reach or offer a GuestAssist connection, written as <c>scheme:details</c>:
/// <c>unix:/path</c>, <c>tcp:127.0.0.1:7000</c>, <c>vsock:CID:PORT</c> (or <c>vsock:PORT</c> to listen
/// on any CID), <c>hybrid:/uds_path:PORT</c>, <c>hybrid-listen:/uds_path:PORT</c>,
/// <c>serial:/dev/virtio-ports/NAME</c> (or <c>serial:NAME</c>).
/// </summary>
public abstract record TransportAddress
{
    /// <summary>sun_path holds 108 bytes including the terminating NUL.</summary>
    public const int MaxUnixPathBytes = 107;

    public const string VirtioPortsDirectory = "/dev/virtio-ports";

    internal const string Forms =
        "unix:/path, tcp:host:port, vsock:cid:port, vsock:port, hybrid:/uds_path:port, hybrid-listen:/uds_path:port, serial:/dev/virtio-ports/name";

    /// <summary>The set of address kinds is closed: each one has its transport in <see cref="TransportEndpoint"/>.</summary>
    private protected TransportAddress()
    {
    }

    /// <summary>Parses an address; throws <see cref="TransportAddressFormatException"/> saying what is wrong.</summary>
    public static TransportAddress Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var address, out var reason)
            ? address
            : throw new TransportAddressFormatException(text, reason);
    }

    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out TransportAddress? address) =>
        TryParse(text, out address, out _);

    private static bool TryParse(string? text, [NotNullWhen(true)] out TransportAddress? address, out string reason)
    {
        address = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            reason = "the address is empty";
            return false;
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            reason = "no scheme (the part before the first ':')";
            return false;
        }

        var scheme = text[..colon].ToLowerInvariant();
        var rest = text[(colon + 1)..];
        switch (scheme)
        {
            case "unix":
                if (!TryUnixPath(rest, "socket path", out reason))
                {
                    return false;
                }

                address = new UnixAddress(rest);
                return true;
            case "tcp":
                return TryTcp(rest, out address, out reason);
            case "vsock":
                return TryVsock(rest, out address, out reason);
            case "hybrid":
            case "hybrid-listen":
                return TryHybrid(rest, listen: scheme == "hybrid-listen", out address, out reason);
            case "serial":
                return TrySerial(rest, out address, out reason);
            default:
                reason = $"unknown scheme \"{scheme}\"";
                return false;
        }
    }

    private static bool TryUnixPath(string path, string what, out string reason)
    {
        if (path.Length == 0)
        {
            reason = $"the {what} is empty";
            return false;
        }

        if (path.Contains('\0', StringComparison.Ordinal))
        {
            reason = $"the {what} contains a NUL character";
            return false;
        }

        var bytes = Encoding.UTF8.GetByteCount(path);
        if (bytes > MaxUnixPathBytes)
        {
            reason = $"the {what} \"{path}\" is {bytes} bytes; Unix sockets allow at most {MaxUnixPathBytes}";
            return false;
        }

        reason = string.Empty;
        return true;
    }

    private static bool TryTcp(string rest, out TransportAddress? address, out string reason)
    {
        address = null;
        var colon = rest.LastIndexOf(':');
        if (colon <= 0)
        {
            reason = "expected tcp:host:port";
            return false;
        }

        var host = rest[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }

        if (!IPAddress.TryParse(host, out var ip))
        {
            reason = $"\"{host}\" is not an IP address (loopback tooling only: write 127.0.0.1 or [::1])";
            return false;
        }

        if (!ushort.TryParse(rest[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port))
        {
            reason = $"\"{rest[(colon + 1)..]}\" is not a TCP port (0-65535)";
            return false;
        }

        address = new TcpAddress(ip, port);
        reason = string.Empty;
        return true;
    }

    private static bool TryVsock(string rest, out TransportAddress? address, out string reason)
    {
        address = null;
        var parts = rest.Split(':');
        if (parts.Length is < 1 or > 2 || parts.Any(p => p.Length == 0))
        {
            reason = "expected vsock:cid:port or vsock:port";
            return false;
        }

        var cid = VsockCid.Any;
        if (parts.Length == 2 && !TryUInt32(parts[0], "CID", out cid, out reason))
        {
            return false;
        }

        if (!TryUInt32(parts[^1], "vsock port", out var port, out reason))
        {
            return false;
        }

        address = new VsockAddress(cid, port);
        return true;
    }

    private static bool TryHybrid(string rest, bool listen, out TransportAddress? address, out string reason)
    {
        address = null;
        var colon = rest.LastIndexOf(':');
        if (colon <= 0)
        {
            reason = listen ? "expected hybrid-listen:/uds_path:port" : "expected hybrid:/uds_path:port";
            return false;
        }

        var path = rest[..colon];
        if (!TryUInt32(rest[(colon + 1)..], "vsock port", out var port, out reason))
        {
            return false;
        }

        // The guest-initiated direction listens at "<uds_path>_<port>": that whole path must fit.
        var socketPath = listen ? HybridVsockListenAddress.SocketPathFor(path, port) : path;
        if (!TryUnixPath(socketPath, listen ? "listening socket path" : "VMM socket path", out reason))
        {
            return false;
        }

        address = listen ? new HybridVsockListenAddress(path, port) : new HybridVsockAddress(path, port);
        return true;
    }

    private static bool TrySerial(string rest, out TransportAddress? address, out string reason)
    {
        address = null;
        if (rest.Length == 0 || rest.Contains('\0', StringComparison.Ordinal))
        {
            reason = "expected serial:/dev/virtio-ports/name or serial:name";
            return false;
        }

        address = new SerialPortAddress(rest.Contains('/', StringComparison.Ordinal) ? rest : $"{VirtioPortsDirectory}/{rest}");
        reason = string.Empty;
        return true;
    }

    private static bool TryUInt32(string text, string what, out uint value, out string reason)
    {
        if (uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value))
        {
            reason = string.Empty;
            return true;
        }

        reason = $"\"{text}\" is not a {what} (0-4294967295)";
        return false;
    }
}
