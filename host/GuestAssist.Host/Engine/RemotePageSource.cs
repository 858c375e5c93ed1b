using GuestAssist.Host.Destination;
using GuestAssist.Host.Transfer;

namespace GuestAssist.Host.Engine;

/// <summary>Serves a fault server's misses from a remote page server (post-copy): the Firecracker handler's --source path.</summary>
public static class RemotePageSource
{
    /// <summary>
    /// Connects both channels to <paramref name="address"/> and starts the transfer into <paramref name="server"/>;
    /// use as the fault server's requester factory (<c>server => RemotePageSource.Connect(server, address)</c>).
    /// </summary>
    public static PostCopyClient Connect(FaultServer server, string address, PostCopyClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        var client = new PostCopyClient(TransferEndPoint.Parse(address), server.Layout, server, options);
        // An outage past the deadline ends the fault server's session, so the VMM is stopped with the reason, not left hung.
        client.Failed += server.Abort;
        try
        {
            client.Start();
        }
        catch
        {
            client.Dispose();
            throw;
        }
        return client;
    }
}
