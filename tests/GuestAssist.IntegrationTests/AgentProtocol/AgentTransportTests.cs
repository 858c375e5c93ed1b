using GuestAssist.Agent.Serving;
using GuestAssist.Host.Agent;
using GuestAssist.IntegrationTests.AgentProtocol.Support;
using GuestAssist.Linux.Tests.Transports.HybridVsock;
using GuestAssist.Linux.Transports;
using GuestAssist.Protocol.Handshake;

namespace GuestAssist.IntegrationTests.AgentProtocol;

/// <summary>The same conversation over the other transports the agent serves.</summary>
public sealed class AgentTransportTests : IDisposable
{
    private const uint AgentPort = 5000;
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Host_reaches_the_agent_through_a_firecracker_style_hybrid_vsock_muxer()
    {
        // In a real VM the agent listens on vsock:5000 and the VMM's muxer forwards to it; here the
        // agent's Unix listener stands in for the guest's vsock listener behind the muxer double.
        var source = new FixtureMapSource();
        var guestSocket = _directory.PathOf($"guest_{AgentPort}");
        await using var agent = await RunningAgent.StartAsync(source, new AgentServingOptions { Listen = [new UnixAddress(guestSocket)] });
        var udsPath = _directory.PathOf("v.sock");
        using var muxer = new FirecrackerMuxerDouble(udsPath, port => _directory.PathOf($"guest_{port}"));

        await using var client = await AgentClient.ConnectAsync(TransportAddress.Parse($"hybrid:{udsPath}:{AgentPort}"));
        var status = await client.GetStatusAsync();
        var map = await client.GetMemoryMapAsync(true, true);

        Assert.Equal($"CONNECT {AgentPort}", Assert.Single(muxer.CommandLines));
        Assert.True(client.Session.Has(Capabilities.MemoryMapV1));
        Assert.Equal(source.Info.RamFrames, status.RamFrames);
        Assert.Equal(source.LastMap!.Runs.ToArray(), map.Map.Runs.ToArray());
        Assert.Equal(source.LastMap.RunOwner, map.Map.RunOwner);
    }

    [Fact]
    public async Task Hybrid_connect_to_a_port_nobody_serves_is_a_transport_error()
    {
        var udsPath = _directory.PathOf("v.sock");
        using var muxer = new FirecrackerMuxerDouble(udsPath, port => _directory.PathOf($"guest_{port}"));

        await Assert.ThrowsAsync<TransportException>(() => AgentClient.ConnectAsync(TransportAddress.Parse($"hybrid:{udsPath}:{AgentPort}")));
    }

    [Fact]
    public async Task The_agent_serves_several_listen_addresses_at_once()
    {
        var source = new FixtureMapSource();
        var options = new AgentServingOptions
        {
            Listen = [new UnixAddress(_directory.PathOf("a.sock")), TransportAddress.Parse("tcp:127.0.0.1:0")],
        };
        await using var agent = await RunningAgent.StartAsync(source, options);
        var tcp = Assert.IsType<TcpAddress>(agent.Addresses[1]);
        Assert.NotEqual(0, tcp.Port);

        await using var overUnix = await AgentClient.ConnectAsync(agent.Addresses[0]);
        await using var overTcp = await AgentClient.ConnectAsync(tcp);
        var a = await overUnix.GetMemoryMapAsync(false, false);
        var b = await overTcp.GetMemoryMapAsync(false, false);

        Assert.Equal(a.Map.Runs.ToArray(), b.Map.Runs.ToArray());
        Assert.Equal(a.Map.Epoch.Sequence + 1, b.Map.Epoch.Sequence);
    }

    [Fact]
    public async Task A_listen_address_that_cannot_be_bound_fails_the_start()
    {
        var options = new AgentServingOptions { Listen = [new UnixAddress(_directory.PathOf("missing-dir/agent.sock"))] };

        await Assert.ThrowsAsync<TransportException>(() => RunningAgent.StartAsync(new FixtureMapSource(), options));
    }
}
