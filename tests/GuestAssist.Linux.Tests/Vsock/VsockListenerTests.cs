using GuestAssist.Linux.Transports;
using GuestAssist.Linux.Vsock;

namespace GuestAssist.Linux.Tests.Vsock;

/// <summary>Bind and listen only: never connect an AF_VSOCK socket on the development machines.</summary>
public class VsockListenerTests
{
    [VsockFact]
    public void Binds_any_cid_with_a_kernel_chosen_port()
    {
        using var listener = VsockListener.Start(new VsockEndPoint(VsockCid.Any, VsockPort.Any));

        Assert.NotEqual(VsockPort.Any, listener.LocalEndPoint.Port);
        Assert.Same(VsockPeerPolicy.HostOnly, listener.Policy);
        Assert.Equal(0, listener.RejectedPeers);
    }

    [VsockFact]
    public void Binds_a_chosen_port()
    {
        // Ports above 1024 in a random high range: a clash with another listener is unlikely and retried.
        for (var attempt = 0; ; attempt++)
        {
            var port = (uint)Random.Shared.Next(40_000, 60_000);
            try
            {
                using var listener = VsockListener.Start(new VsockEndPoint(VsockCid.Any, port));
                Assert.Equal(port, listener.LocalEndPoint.Port);
                return;
            }
            catch (System.Net.Sockets.SocketException) when (attempt < 5)
            {
            }
        }
    }

    [VsockFact]
    public async Task Pending_accept_ends_on_cancellation()
    {
        using var listener = VsockListener.Start(new VsockEndPoint(VsockCid.Any, VsockPort.Any));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await listener.AcceptAsync(cancel.Token));
    }

    [VsockFact]
    public async Task Transport_listener_reports_the_bound_port_and_stops_its_accept_loop_on_dispose()
    {
        var endpoint = TransportEndpoint.Create(new VsockAddress(VsockCid.Any, VsockPort.Any));
        Assert.False(endpoint.CanConnect);
        var listener = endpoint.Listen();
        var local = Assert.IsType<VsockAddress>(listener.LocalAddress);
        Assert.NotEqual(VsockPort.Any, local.Port);

        var loop = Task.Run(async () =>
        {
            await foreach (var connection in listener.AcceptAllAsync(CancellationToken.None))
            {
                await connection.DisposeAsync();
            }
        });
        await Task.Delay(50);
        listener.Dispose();

        await loop.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Connecting_without_a_cid_is_refused_before_any_socket_exists()
    {
        var endpoint = TransportEndpoint.Create("vsock:52");

        var error = await Assert.ThrowsAsync<TransportException>(async () => await endpoint.ConnectAsync(CancellationToken.None));

        Assert.Equal(TransportFailure.NotSupported, error.Failure);
        Assert.StartsWith("connect vsock:52 failed: a vsock address without a CID can only listen", error.Message);
    }

    [VsockDeviceFact]
    public void Local_cid_comes_from_dev_vsock()
    {
        var cid = VsockDevice.GetLocalCid();

        Assert.NotEqual(VsockCid.Any, cid);
    }
}
