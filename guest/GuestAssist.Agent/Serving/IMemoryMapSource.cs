namespace GuestAssist.Agent.Serving;

/// <summary>
/// Where the agent's page-class maps come from: the frame scanner in production, a fixture in tests.
/// Implementations own their buffers and reuse them across scans; the agent never calls
/// <see cref="ScanAsync"/> concurrently.
/// </summary>
public interface IMemoryMapSource
{
    /// <summary>What this machine allows; probed once at start.</summary>
    MemoryMapSourceInfo Info { get; }

    ValueTask<ScannedMap> ScanAsync(MemoryMapRequest request, CancellationToken cancellationToken);
}
