namespace GuestAssist.IntegrationTests.AgentProtocol;

/// <summary>
/// <see cref="ThrottlingChaosTests"/> runs alone, after the other collections: its agents keep a core busy for a
/// minute and a half, which shifted timings the eviction tests count on (free frames demand-faulted before the
/// stream could skip them), and its own one-second deadlines are not measured against their load either.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ThrottlingChaosCollection
{
    public const string Name = "throttling chaos";
}
