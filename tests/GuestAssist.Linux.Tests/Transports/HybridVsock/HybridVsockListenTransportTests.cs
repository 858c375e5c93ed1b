using System.Net.Sockets;
using GuestAssist.Linux.Transports;

namespace GuestAssist.Linux.Tests.Transports.HybridVsock;

/// <summary>Guest-initiated hybrid vsock: the VMM connects to <c>uds_path_port</c>.</summary>
public sealed class HybridVsockListenTransportTests : IDisposable
{
    private readonly TempDirectory temp = new();

    private string UdsPath => temp.PathOf("v.sock");

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task Listens_at_uds_path_underscore_port_and_carries_bytes_both_ways()
    {
        using var listener = TransportEndpoint.Create($"hybrid-listen:{UdsPath}:5000").Listen();
        Assert.True(File.Exists($"{UdsPath}_5000"));

        var accepted = listener.AcceptAsync(CancellationToken.None).AsTask();
        await using var vmm = await ConnectAsVmm($"{UdsPath}_5000");
        await using var host = await accepted.WaitAsync(StreamAssert.Bound);

        await StreamAssert.SendsAsync(vmm, host, StreamAssert.Payload(50_000));
        await StreamAssert.SendsAsync(host, vmm, StreamAssert.Payload(7));
    }

    [Fact]
    public async Task A_stale_socket_left_by_a_dead_host_process_is_replaced()
    {
        StaleUnixSocket.CreateAt($"{UdsPath}_5000");

        using var listener = TransportEndpoint.Create($"hybrid-listen:{UdsPath}:5000").Listen();
        var accepted = listener.AcceptAsync(CancellationToken.None).AsTask();
        await using var vmm = await ConnectAsVmm($"{UdsPath}_5000");
        await using var host = await accepted.WaitAsync(StreamAssert.Bound);

        await StreamAssert.SendsAsync(vmm, host, StreamAssert.Payload(5));
    }

    [Fact]
    public async Task Hybrid_listen_cannot_connect()
    {
        var error = await Assert.ThrowsAsync<TransportException>(async () =>
            await TransportEndpoint.Create($"hybrid-listen:{UdsPath}:5000").ConnectAsync(CancellationToken.None));

        Assert.Equal(TransportFailure.NotSupported, error.Failure);
        Assert.Contains($"use hybrid:{UdsPath}:5000", error.Message);
    }

    private static async Task<Stream> ConnectAsVmm(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path));
        return new NetworkStream(socket, ownsSocket: true);
    }
}
