using System.Net.Sockets;
using GuestAssist.Linux.Vsock;

namespace GuestAssist.Linux.Transports;

/// <summary>A vsock listener behind the transport abstraction; its peer policy applies to every accept.</summary>
internal sealed class VsockTransportListener(VsockListener listener) : ITransportListener
{
    private volatile bool disposed;

    public TransportAddress LocalAddress { get; } = new VsockAddress(listener.LocalEndPoint.Cid, listener.LocalEndPoint.Port);

    public async ValueTask<Stream> AcceptAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        try
        {
            var (connection, _) = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            return new NetworkStream(connection, ownsSocket: true);
        }
        catch (SocketException) when (disposed)
        {
            throw new ObjectDisposedException(nameof(VsockTransportListener));
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
        disposed = true;
        listener.Dispose();
    }
}
