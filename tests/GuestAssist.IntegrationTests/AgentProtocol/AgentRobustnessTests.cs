using System.Buffers.Binary;
using System.Net.Sockets;
using GuestAssist.IntegrationTests.AgentProtocol.Support;
using GuestAssist.Linux.Transports;
using GuestAssist.Protocol.Connections;
using GuestAssist.Protocol.V1;

namespace GuestAssist.IntegrationTests.AgentProtocol;

/// <summary>Bad peers, concurrency and scan serialisation against the real daemon.</summary>
public sealed class AgentRobustnessTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task A_request_before_hello_gets_a_typed_error_and_hello_still_works_afterwards()
    {
        await using var agent = await RunningAgent.StartOnUnixAsync(_directory, new FixtureMapSource());
        await using var raw = new ProtocolConnection(await Connect(agent), new ProtocolConnectionOptions { Name = "raw" });

        var error = await Assert.ThrowsAsync<RemoteErrorException>(() => raw.RequestAsync(new Envelope { GetStatus = new GetStatus() }));
        var map = await Assert.ThrowsAsync<RemoteErrorException>(() => raw.RequestAsync(new Envelope { GetMemoryMap = new GetMemoryMap() }));
        var session = await Protocol.Handshake.HandshakeNegotiator.HelloAsync(raw, Protocol.Handshake.HandshakeOffer.Default("late"));
        var status = await raw.RequestAsync(new Envelope { GetStatus = new GetStatus() });

        Assert.Equal(ErrorCode.PermissionDenied, error.Code);
        Assert.Contains("before Hello", error.RemoteMessage, StringComparison.Ordinal);
        Assert.Equal(ErrorCode.PermissionDenied, map.Code);
        Assert.Equal(1u, session.Version);
        Assert.Equal(Envelope.BodyOneofCase.AgentStatus, status.BodyCase);
    }

    [Fact]
    public async Task Malformed_and_oversized_frames_get_an_error_and_other_connections_keep_being_served()
    {
        await using var agent = await RunningAgent.StartOnUnixAsync(_directory, new FixtureMapSource());
        await using var good = await agent.ConnectAsync();
        using var bad = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await bad.ConnectAsync(new UnixDomainSocketEndPoint(((UnixAddress)agent.Address).Path));

        // A frame whose payload is not an Envelope: the framing survives, the agent answers with an Error.
        await bad.SendAsync(Frame([0xFF, 0xFF, 0xFF, 0xFF, 0x0F]));
        var firstError = await ReadFrameAsync(bad);
        // Then a length prefix far beyond the limit: a parting Error, then the agent closes this connection.
        var huge = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(huge, 0x7FFF_FFFF);
        await bad.SendAsync(huge);
        var partingError = await ReadFrameAsync(bad);
        var eof = await bad.ReceiveAsync(new byte[1]);

        Assert.Equal(ErrorCode.MalformedFrame, firstError.Error.Code);
        Assert.Equal(ErrorCode.FrameTooLarge, partingError.Error.Code);
        Assert.Equal(0, eof);
        var status = await good.GetStatusAsync();
        var map = await good.GetMemoryMapAsync(false, false);
        await using var fresh = await agent.ConnectAsync();
        Assert.Equal(4096u, status.PageSize);
        Assert.True(map.Map.RunCount > 0);
        Assert.Equal(4096u, (await fresh.GetStatusAsync()).PageSize);
    }

    [Fact]
    public async Task A_peer_that_vanishes_mid_map_does_not_disturb_the_next_request()
    {
        var source = new FixtureMapSource(delay: TimeSpan.FromMilliseconds(200));
        await using var agent = await RunningAgent.StartOnUnixAsync(_directory, source);
        var leaver = await agent.ConnectAsync();
        var abandoned = leaver.GetMemoryMapAsync(false, false);
        await Task.Delay(50);
        await leaver.DisposeAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => abandoned);

        await using var client = await agent.ConnectAsync();
        var map = await client.GetMemoryMapAsync(true, true);

        Assert.Equal(source.LastMap!.Runs.ToArray(), map.Map.Runs.ToArray());
    }

    [Fact]
    public async Task Concurrent_map_requests_from_many_connections_all_succeed_one_scan_at_a_time()
    {
        var source = new FixtureMapSource(delay: TimeSpan.FromMilliseconds(30));
        await using var agent = await RunningAgent.StartOnUnixAsync(_directory, source, o => o with { MaxQueuedScans = 8 });
        var clients = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => agent.ConnectAsync()));
        try
        {
            var maps = await Task.WhenAll(clients.Select(c => c.GetMemoryMapAsync(true, false)));

            Assert.Equal(1, source.MaxConcurrentScans);
            Assert.Equal(5, source.Scans);
            Assert.Equal(5, maps.Select(m => m.Map.Epoch.Sequence).Distinct().Count());
            Assert.All(maps, m => Assert.Equal(source.Build(m.Map.Epoch.Sequence, true, false).Runs.ToArray(), m.Map.Runs.ToArray()));
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Map_requests_beyond_the_queue_are_refused_with_busy()
    {
        var source = new FixtureMapSource { Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        await using var agent = await RunningAgent.StartOnUnixAsync(_directory, source, o => o with { MaxQueuedScans = 0 });
        await using var first = await agent.ConnectAsync();
        await using var second = await agent.ConnectAsync();

        var running = first.GetMemoryMapAsync(false, false);
        Assert.True(await source.ScanStarted.WaitAsync(TimeSpan.FromSeconds(10)));
        var refused = await Assert.ThrowsAsync<RemoteErrorException>(() => second.GetMemoryMapAsync(false, false));
        source.Hold.SetResult();
        var completed = await running;
        var afterwards = await second.GetMemoryMapAsync(false, false);

        Assert.Equal(ErrorCode.Busy, refused.Code);
        Assert.True(completed.Map.RunCount > 0);
        Assert.True(afterwards.Map.Epoch.Sequence > completed.Map.Epoch.Sequence);
    }

    [Fact]
    public async Task One_connection_may_have_several_requests_in_flight()
    {
        var source = new FixtureMapSource { Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        await using var agent = await RunningAgent.StartOnUnixAsync(_directory, source);
        await using var client = await agent.ConnectAsync();

        var map = client.GetMemoryMapAsync(false, false);
        Assert.True(await source.ScanStarted.WaitAsync(TimeSpan.FromSeconds(10)));
        var heartbeat = await client.HeartbeatAsync();
        var status = await client.GetStatusAsync();

        Assert.False(map.IsCompleted, "a heartbeat must not wait behind a scan");
        Assert.Equal(1ul, heartbeat.Sequence);
        Assert.Equal(4096u, status.PageSize);
        source.Hold.SetResult();
        Assert.True((await map).Map.RunCount > 0);
    }

    private static async Task<Stream> Connect(RunningAgent agent) =>
        await TransportEndpoint.Create(agent.Address).ConnectAsync(CancellationToken.None);

    private static byte[] Frame(byte[] payload)
    {
        var frame = new byte[4 + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)payload.Length);
        payload.CopyTo(frame, 4);
        return frame;
    }

    private static async Task<Envelope> ReadFrameAsync(Socket socket)
    {
        var header = await ReadExactlyAsync(socket, 4);
        var payload = await ReadExactlyAsync(socket, (int)BinaryPrimitives.ReadUInt32LittleEndian(header));
        return Envelope.Parser.ParseFrom(payload);
    }

    private static async Task<byte[]> ReadExactlyAsync(Socket socket, int count)
    {
        var buffer = new byte[count];
        var filled = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (filled < count)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(filled), timeout.Token);
            if (read == 0)
            {
                throw new EndOfStreamException($"EOF after {filled} of {count} bytes");
            }
            filled += read;
        }
        return buffer;
    }
}
