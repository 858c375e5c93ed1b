using GuestAssist.Agent.Serving;
using GuestAssist.Host.Agent;
using GuestAssist.IntegrationTests.AgentProtocol.Support;
using GuestAssist.Linux.Transports;
using GuestAssist.Protocol.Handshake;

namespace GuestAssist.IntegrationTests.AgentProtocol;

/// <summary>Older and newer hosts against older and newer agents.</summary>
public sealed class VersionSkewTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData(1u, 1u, 1u, 3u, 1u)] // newer host, current agent: v1
    [InlineData(1u, 2u, 1u, 1u, 1u)] // current host, newer agent: v1
    [InlineData(1u, 4u, 2u, 3u, 3u)] // both newer: the highest common
    public async Task Overlapping_ranges_agree_on_the_highest_common_version(uint agentMin, uint agentMax, uint hostMin, uint hostMax, uint expected)
    {
        await using var agent = await StartAsync(new VersionRange(agentMin, agentMax));

        await using var client = await AgentClient.ConnectAsync(agent.Address, HostOffering(new VersionRange(hostMin, hostMax)));
        var status = await client.GetStatusAsync();

        Assert.Equal(expected, client.Session.Version);
        Assert.Equal(4096u, status.PageSize);
    }

    [Theory]
    [InlineData(1u, 1u, 2u, 3u)] // host too new for an old agent
    [InlineData(2u, 3u, 1u, 1u)] // agent too new for an old host
    public async Task Disjoint_ranges_fail_with_both_ranges_named_and_the_agent_keeps_serving(uint agentMin, uint agentMax, uint hostMin, uint hostMax)
    {
        await using var agent = await StartAsync(new VersionRange(agentMin, agentMax));

        var error = await Assert.ThrowsAsync<VersionMismatchException>(() =>
            AgentClient.ConnectAsync(agent.Address, HostOffering(new VersionRange(hostMin, hostMax))));

        Assert.Contains($"[{hostMin}, {hostMax}]", error.Message, StringComparison.Ordinal);
        Assert.Contains($"[{agentMin}, {agentMax}]", error.Message, StringComparison.Ordinal);
        await using var compatible = await AgentClient.ConnectAsync(agent.Address, HostOffering(new VersionRange(agentMin, agentMax)));
        Assert.Equal(agentMax, compatible.Session.Version);
    }

    [Fact]
    public async Task Capabilities_unknown_to_the_agent_are_reported_missing_not_refused()
    {
        await using var agent = await StartAsync(ProtocolVersions.Supported);
        var offer = new HandshakeOffer(ProtocolVersions.Supported, [.. Capabilities.All, "memory-map.v2", "teleport"], "future-host");

        await using var client = await AgentClient.ConnectAsync(agent.Address, new AgentClientOptions { Offer = offer });

        Assert.Contains("teleport", client.Session.MissingThere);
        Assert.Contains("memory-map.v2", client.Session.MissingThere);
        Assert.True(client.Session.Has(Capabilities.MemoryMapV1));
    }

    private Task<RunningAgent> StartAsync(VersionRange versions) =>
        RunningAgent.StartAsync(new FixtureMapSource(runs: 100), new AgentServingOptions
        {
            Listen = [new UnixAddress(_directory.PathOf("agent.sock"))],
            Versions = versions,
        });

    private static AgentClientOptions HostOffering(VersionRange versions) =>
        new() { Offer = new HandshakeOffer(versions, Capabilities.All, "skewed-host") };
}
