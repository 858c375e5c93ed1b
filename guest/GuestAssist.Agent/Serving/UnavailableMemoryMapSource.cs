namespace GuestAssist.Agent.Serving;

/// <summary>Stands in when frames cannot be classified here: the agent still serves status and heartbeats.</summary>
public sealed class UnavailableMemoryMapSource(string reason, uint pageSize = 4096) : IMemoryMapSource
{
    public MemoryMapSourceInfo Info { get; } = new([], [reason], pageSize, 0);

    public ValueTask<ScannedMap> ScanAsync(MemoryMapRequest request, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"no memory map on this machine: {reason}");
}
