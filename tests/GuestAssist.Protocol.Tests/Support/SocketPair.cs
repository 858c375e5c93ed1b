using System.Net.Sockets;

namespace GuestAssist.Protocol.Tests.Support;

/// <summary>A connected pair of Unix stream sockets on a temporary path: a real duplex transport.</summary>
internal sealed class SocketPair : IAsyncDisposable
{
    private SocketPair(NetworkStream opener, NetworkStream acceptor)
    {
        Opener = opener;
        Acceptor = acceptor;
    }

    /// <summary>The side that connected (the host, normally).</summary>
    public NetworkStream Opener { get; }

    /// <summary>The side that accepted (the agent, normally).</summary>
    public NetworkStream Acceptor { get; }

    public static async Task<SocketPair> CreateAsync()
    {
        var path = Path.Combine(Path.GetTempPath(), $"ga-proto-{Guid.NewGuid():N}.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        try
        {
            listener.Listen(1);
            var accept = listener.AcceptAsync();
            var opener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await opener.ConnectAsync(new UnixDomainSocketEndPoint(path));
            var acceptor = await accept;
            return new SocketPair(new NetworkStream(opener, ownsSocket: true), new NetworkStream(acceptor, ownsSocket: true));
        }
        finally
        {
            File.Delete(path);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Opener.DisposeAsync();
        await Acceptor.DisposeAsync();
    }
}
