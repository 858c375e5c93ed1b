using GuestAssist.Linux.Transports;

namespace GuestAssist.Linux.Tests.Transports;

public class TcpTransportTests
{
    [Fact]
    public async Task Loopback_listener_on_port_0_reports_its_port_and_carries_bytes_both_ways()
    {
        using var listener = TransportEndpoint.Create("tcp:127.0.0.1:0").Listen();
        var bound = Assert.IsType<TcpAddress>(listener.LocalAddress);
        Assert.NotEqual(0, bound.Port);

        var accepted = listener.AcceptAsync(CancellationToken.None).AsTask();
        await using var client = await TransportEndpoint.Create(bound).ConnectAsync(CancellationToken.None);
        await using var server = await accepted.WaitAsync(StreamAssert.Bound);

        await StreamAssert.SendsAsync(client, server, StreamAssert.Payload(64 * 1024));
        await StreamAssert.SendsAsync(server, client, StreamAssert.Payload(10));
    }

    [Fact]
    public async Task Nothing_listening_is_refused_with_the_address_in_the_message()
    {
        ushort port;
        using (var probe = TransportEndpoint.Create("tcp:127.0.0.1:0").Listen())
        {
            port = ((TcpAddress)probe.LocalAddress).Port;
        }

        var error = await Assert.ThrowsAsync<TransportException>(async () =>
            await TransportEndpoint.Create($"tcp:127.0.0.1:{port}").ConnectAsync(CancellationToken.None));

        Assert.Equal(TransportFailure.Refused, error.Failure);
        Assert.StartsWith($"connect tcp:127.0.0.1:{port} failed: connecting to 127.0.0.1:{port}: ", error.Message);
    }

    [Fact]
    public void Binding_a_taken_port_is_address_in_use()
    {
        using var first = TransportEndpoint.Create("tcp:127.0.0.1:0").Listen();

        var error = Assert.Throws<TransportException>(() => TransportEndpoint.Create(first.LocalAddress).Listen());

        Assert.Equal(TransportFailure.AddressInUse, error.Failure);
        Assert.Equal(TransportOperation.Listen, error.Operation);
    }
}
