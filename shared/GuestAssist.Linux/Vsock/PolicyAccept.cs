using System.Net;
using System.Net.Sockets;

namespace GuestAssist.Linux.Vsock;

/// <summary>Accepts until a peer passes <c>allows</c>; every other peer is closed at once and reported.</summary>
internal static class PolicyAccept
{
    internal static async ValueTask<Socket> AcceptAsync(
        Socket listener,
        Func<EndPoint?, bool> allows,
        Action<EndPoint?> rejected,
        CancellationToken cancellationToken)
    {
        while (true)
        {
            var connection = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            var peer = connection.RemoteEndPoint;
            if (allows(peer))
            {
                return connection;
            }

            connection.Dispose();
            rejected(peer);
        }
    }
}
