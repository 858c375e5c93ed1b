using GuestAssist.Agent.Serving;
using GuestAssist.Linux.Transports;
using GuestAssist.Protocol.Connections;
using GuestAssist.Protocol.Handshake;
using GuestAssist.Protocol.V1;
using Microsoft.Extensions.Hosting;

namespace GuestAssist.Agent.Tests.Serving;

/// <summary>Hostile-peer fairness of one listener: idle sessions time out, a full listener makes room, nobody starves.</summary>
public sealed class ListenerFairnessTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("ga-fair");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task An_idle_session_is_closed_after_the_idle_timeout_and_a_busy_one_is_not()
    {
        var (host, address) = await StartAsync(new AgentServingOptions { IdleTimeout = TimeSpan.FromMilliseconds(1500) });
        using (host)
        {
            await using var idle = await HelloAsync(address);
            await using var busy = await HelloAsync(address);
            var heartbeats = Task.Run(async () =>
            {
                // Well inside the timeout between frames (30x margin), for twice the timeout.
                for (var i = 0; i < 60; i++)
                {
                    await busy.RequestAsync(new Envelope { Heartbeat = new Heartbeat { Sequence = (ulong)i + 1 } });
                    await Task.Delay(50);
                }
            });

            await idle.Completion.WaitAsync(TimeSpan.FromSeconds(10));
            await heartbeats;

            Assert.True(idle.IsClosed);
            Assert.False(busy.IsClosed);
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task When_every_slot_is_taken_the_longest_idle_session_makes_room_for_a_new_peer()
    {
        var (host, address) = await StartAsync(new AgentServingOptions { MaxConnections = 3 });
        using (host)
        {
            var squatters = new List<ProtocolConnection>();
            for (var i = 0; i < 3; i++)
            {
                squatters.Add(await HelloAsync(address));
                await Task.Delay(50);
            }

            await using var newcomer = await HelloAsync(address);
            var status = await newcomer.RequestAsync(new Envelope { GetStatus = new GetStatus() });
            await squatters[0].Completion.WaitAsync(TimeSpan.FromSeconds(10));

            Assert.Equal(Envelope.BodyOneofCase.AgentStatus, status.BodyCase);
            Assert.True(squatters[0].IsClosed, "the oldest idle session was evicted");
            Assert.False(squatters[1].IsClosed);
            Assert.False(squatters[2].IsClosed);
            foreach (var squatter in squatters)
            {
                await squatter.DisposeAsync();
            }
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task Hello_and_a_request_pipelined_in_one_write_are_both_answered()
    {
        var (host, address) = await StartAsync(new AgentServingOptions());
        using (host)
        {
            await using var stream = await TransportEndpoint.Create(address).ConnectAsync(CancellationToken.None);
            var hello = new Envelope { Id = 1, Hello = HandshakeNegotiator.CreateHello(HandshakeOffer.Default("pipelining-host")) };
            var status = new Envelope { Id = 2, GetStatus = new GetStatus() };
            using (var both = new MemoryStream())
            {
                using (var writer = new GuestAssist.Protocol.Framing.FrameWriter(both, GuestAssist.Protocol.Framing.FrameFormat.DefaultMaxFrameSize))
                {
                    await writer.WriteAsync(hello, CancellationToken.None);
                    await writer.WriteAsync(status, CancellationToken.None);
                }
                await stream.WriteAsync(both.ToArray());
            }
            using var reader = new GuestAssist.Protocol.Framing.FrameReader(stream, GuestAssist.Protocol.Framing.FrameFormat.DefaultMaxFrameSize);

            var first = await reader.ReadAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            var second = await reader.ReadAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10));

            Assert.Equal((Envelope.BodyOneofCase.HelloAck, 1UL), (first!.BodyCase, first.ReplyTo));
            Assert.Equal((Envelope.BodyOneofCase.AgentStatus, 2UL), (second!.BodyCase, second.ReplyTo));
            await host.StopAsync();
        }
    }

    private async Task<(IHost Host, TransportAddress Address)> StartAsync(AgentServingOptions options)
    {
        var address = new UnixAddress(Path.Combine(_directory.FullName, $"{Guid.NewGuid():N}.sock"));
        var host = AgentHost.Build(options with { Listen = [address] }, new StubSource());
        await host.StartAsync();
        return (host, address);
    }

    private static async Task<ProtocolConnection> HelloAsync(TransportAddress address)
    {
        var connection = new ProtocolConnection(await TransportEndpoint.Create(address).ConnectAsync(CancellationToken.None));
        await HandshakeNegotiator.HelloAsync(connection, HandshakeOffer.Default("fair-host"));
        return connection;
    }

    private sealed class StubSource : IMemoryMapSource
    {
        public MemoryMapSourceInfo Info { get; } = new([Capabilities.MemoryMapV1], [], 4096, 1);

        public ValueTask<ScannedMap> ScanAsync(MemoryMapRequest request, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
    }
}
