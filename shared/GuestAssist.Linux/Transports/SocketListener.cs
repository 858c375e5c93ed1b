using System.Net.Sockets;

namespace GuestAssist.Linux.Transports;

/// <summary>A listening Unix or TCP socket; removes its socket file, if any, when disposed.</summary>
internal sealed class SocketListener : ITransportListener
{
    private readonly Socket socket;
    private readonly string? socketFile;
    private volatile bool disposed;

    internal SocketListener(Socket socket, TransportAddress localAddress, string? socketFile)
    {
        this.socket = socket;
        this.socketFile = socketFile;
        LocalAddress = localAddress;
    }

    public TransportAddress LocalAddress { get; }

    public async ValueTask<Stream> AcceptAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        try
        {
            var connection = await socket.AcceptAsync(cancellationToken).ConfigureAwait(false);
            return new NetworkStream(connection, ownsSocket: true);
        }
        catch (SocketException) when (disposed)
        {
            throw new ObjectDisposedException(nameof(SocketListener));
        }
        catch (SocketException error)
        {
            throw TransportException.FromOs(LocalAddress, TransportOperation.Accept, error);
        }
    }

    public IAsyncEnumerable<Stream> AcceptAllAsync(CancellationToken cancellationToken) =>
        AcceptLoop.RunAsync(AcceptAsync, cancellationToken);

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        socket.Dispose();
        if (socketFile is not null)
        {
            UnixSocketFile.Remove(socketFile);
        }
    }
}
