using GuestAssist.Linux.Transports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GuestAssist.Agent.Serving;

/// <summary>The daemon as a generic host: one <see cref="AgentListenerService"/> per listen address around one <see cref="AgentRuntime"/>.</summary>
public static class AgentHost
{
    public static IHost Build(AgentServingOptions options, IMemoryMapSource source, Action<ILoggingBuilder>? configureLogging = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(source);
        if (options.Listen.Count == 0)
        {
            throw new ArgumentException("the agent needs at least one listen address", nameof(options));
        }
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        configureLogging?.Invoke(builder.Logging);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(source);
        builder.Services.AddSingleton<AgentRuntime>();
        foreach (var address in options.Listen)
        {
            builder.Services.AddSingleton<IHostedService>(services => new AgentListenerService(
                address,
                services.GetRequiredService<AgentRuntime>(),
                services.GetRequiredService<ILogger<AgentListenerService>>()));
        }
        return builder.Build();
    }

    /// <summary>The addresses the started host actually listens on (port 0 resolved), in configuration order.</summary>
    public static IReadOnlyList<TransportAddress> LocalAddresses(IHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return [.. host.Services.GetServices<IHostedService>().OfType<AgentListenerService>().Select(l => l.LocalAddress)];
    }

    /// <summary>Logs what the agent offers and what it lacks, once at start.</summary>
    public static void LogOffer(IHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var runtime = host.Services.GetRequiredService<AgentRuntime>();
        var logger = host.Services.GetRequiredService<ILogger<AgentRuntime>>();
        logger.Offering(runtime.Offer.Versions.ToString(), string.Join(", ", runtime.Offer.Capabilities));
        foreach (var line in runtime.Source.Info.Degraded)
        {
            logger.Degraded(line);
        }
    }
}
