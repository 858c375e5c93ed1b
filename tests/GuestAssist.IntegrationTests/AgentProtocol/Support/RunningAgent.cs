using GuestAssist.Agent.Serving;
using GuestAssist.Host.Agent;
using GuestAssist.Linux.Transports;
using Microsoft.Extensions.Hosting;

namespace GuestAssist.IntegrationTests.AgentProtocol.Support;

/// <summary>A real agent daemon (generic host, listener services, request handler) started in-process on test addresses.</summary>
public sealed class RunningAgent : IAsyncDisposable
{
    private readonly IHost _host;

    private RunningAgent(IHost host, IMemoryMapSource source)
    {
        _host = host;
        Source = source;
        Addresses = AgentHost.LocalAddresses(host);
    }

    public IMemoryMapSource Source { get; }

    public IReadOnlyList<TransportAddress> Addresses { get; }

    public TransportAddress Address => Addresses[0];

    public static async Task<RunningAgent> StartAsync(IMemoryMapSource source, AgentServingOptions options)
    {
        var host = AgentHost.Build(options, source);
        await host.StartAsync();
        return new RunningAgent(host, source);
    }

    public static Task<RunningAgent> StartOnUnixAsync(TempDirectory directory, IMemoryMapSource source, Func<AgentServingOptions, AgentServingOptions>? configure = null)
    {
        var options = new AgentServingOptions { Listen = [new UnixAddress(directory.PathOf("agent.sock"))] };
        return StartAsync(source, configure?.Invoke(options) ?? options);
    }

    public Task<AgentClient> ConnectAsync(AgentClientOptions? options = null) => AgentClient.ConnectAsync(Address, options);

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _host.StopAsync(stop.Token);
        _host.Dispose();
    }
}
