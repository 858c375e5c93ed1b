using GuestAssist.Linux.Transports;

namespace GuestAssist.Linux.Tests.Transports;

public class UnixTransportTests
{
    [Fact]
    public async Task Connects_to_a_listener_and_carries_bytes_both_ways()
    {
        using var temp = new TempDirectory();
        var endpoint = TransportEndpoint.Create($"unix:{temp.PathOf("agent.sock")}");
        using var listener = endpoint.Listen();

        var accepted = listener.AcceptAsync(CancellationToken.None).AsTask();
        await using var client = await endpoint.ConnectAsync(CancellationToken.None);
        await using var server = await accepted.WaitAsync(StreamAssert.Bound);

        await StreamAssert.SendsAsync(client, server, StreamAssert.Payload(100_000));
        await StreamAssert.SendsAsync(server, client, StreamAssert.Payload(3));
        Assert.Equal(endpoint.Address, listener.LocalAddress);
    }

    [Fact]
    public async Task Accept_loop_yields_each_connection_and_ends_on_cancellation()
    {
        using var temp = new TempDirectory();
        var endpoint = TransportEndpoint.Create($"unix:{temp.PathOf("loop.sock")}");
        using var listener = endpoint.Listen();
        using var stop = new CancellationTokenSource();
        var served = 0;
        var loop = Task.Run(async () =>
        {
            await foreach (var connection in listener.AcceptAllAsync(stop.Token))
            {
                await using (connection)
                {
                    await connection.WriteAsync(new[] { (byte)++served });
                }
            }
        });

        for (var i = 1; i <= 3; i++)
        {
            await using var client = await endpoint.ConnectAsync(CancellationToken.None);
            Assert.Equal(new[] { (byte)i }, await StreamAssert.ReadExactlyAsync(client, 1));
        }

        await stop.CancelAsync();
        await loop.WaitAsync(StreamAssert.Bound);
    }

    [Fact]
    public void Dispose_removes_the_socket_file()
    {
        using var temp = new TempDirectory();
        var path = temp.PathOf("gone.sock");

        TransportEndpoint.Create($"unix:{path}").Listen().Dispose();

        Assert.False(File.Exists(path));
    }

    [Fact]
    public void A_stale_socket_file_is_replaced()
    {
        using var temp = new TempDirectory();
        var path = temp.PathOf("stale.sock");
        StaleUnixSocket.CreateAt(path);

        Assert.True(File.Exists(path));

        using var listener = TransportEndpoint.Create($"unix:{path}").Listen();
    }

    [Fact]
    public void A_live_listener_is_not_stolen()
    {
        using var temp = new TempDirectory();
        var endpoint = TransportEndpoint.Create($"unix:{temp.PathOf("live.sock")}");
        using var first = endpoint.Listen();

        var error = Assert.Throws<TransportException>(endpoint.Listen);

        Assert.Equal(TransportFailure.AddressInUse, error.Failure);
        Assert.Equal($"listen {endpoint.Address} failed: another process is listening on {temp.PathOf("live.sock")}", error.Message);
    }

    [Fact]
    public void A_path_that_is_not_a_socket_is_left_alone()
    {
        using var temp = new TempDirectory();
        var path = temp.PathOf("precious.txt");
        File.WriteAllText(path, "keep me");

        var error = Assert.Throws<TransportException>(() => TransportEndpoint.Create($"unix:{path}").Listen());

        Assert.Equal(TransportFailure.AddressInUse, error.Failure);
        Assert.Contains("exists and is not a socket; not removing it", error.Message);
        Assert.Equal("keep me", File.ReadAllText(path));
    }

    [Fact]
    public async Task Connecting_to_a_missing_socket_says_which_path()
    {
        using var temp = new TempDirectory();
        var path = temp.PathOf("nobody.sock");

        var error = await Assert.ThrowsAsync<TransportException>(async () =>
            await TransportEndpoint.Create($"unix:{path}").ConnectAsync(CancellationToken.None));

        Assert.Equal(TransportFailure.NotFound, error.Failure);
        Assert.Equal(TransportOperation.Connect, error.Operation);
        Assert.Equal($"connect unix:{path} failed: connecting to {path}: {path}: ENOENT (No such file or directory)", error.Message);
    }

    [Fact]
    public async Task Connecting_to_a_stale_socket_is_refused()
    {
        using var temp = new TempDirectory();
        var path = temp.PathOf("stale.sock");
        StaleUnixSocket.CreateAt(path);

        var error = await Assert.ThrowsAsync<TransportException>(async () =>
            await TransportEndpoint.Create($"unix:{path}").ConnectAsync(CancellationToken.None));

        Assert.Equal(TransportFailure.Refused, error.Failure);
    }
}
