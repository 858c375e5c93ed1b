using System.Net;
using System.Net.Sockets;
using GuestAssist.Linux.Sockets;

namespace GuestAssist.Linux.Transports;

/// <summary>Connects a stream socket with a time bound and turns failures into <see cref="TransportException"/>s.</summary>
internal static class SocketConnector
{
    internal static async ValueTask<Socket> ConnectAsync(
        TransportAddress address,
        EndPoint remote,
        ProtocolType protocol,
        TimeSpan timeout,
        string peer,
        CancellationToken cancellationToken)
    {
        var socket = new Socket(remote.AddressFamily, SocketType.Stream, protocol);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await socket.ConnectAsync(remote, deadline.Token).ConfigureAwait(false);
            return socket;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TransportException(address, TransportOperation.Connect, TransportFailure.Timeout,
                $"no connection to {peer} within {timeout.TotalMilliseconds:0} ms");
        }
        catch (SocketException error) when (remote is UnixDomainSocketEndPoint unix && UnixSocketConnectError.IsMissing(error, unix.ToString()))
        {
            socket.Dispose();
            throw new TransportException(address, TransportOperation.Connect, TransportFailure.NotFound,
                $"connecting to {peer}: {UnixSocketConnectError.Describe(error, unix.ToString())}", error);
        }
        catch (SocketException error)
        {
            socket.Dispose();
            throw TransportException.FromOs(address, TransportOperation.Connect, error, $"connecting to {peer}");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
