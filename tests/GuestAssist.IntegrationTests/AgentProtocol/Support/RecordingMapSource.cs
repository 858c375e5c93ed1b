using GuestAssist.Agent.Serving;

namespace GuestAssist.IntegrationTests.AgentProtocol.Support;

/// <summary>Passes scans through to a real source and keeps the last map it produced, to compare with what crossed the wire.</summary>
public sealed class RecordingMapSource(IMemoryMapSource inner) : IMemoryMapSource
{
    public MemoryMapSourceInfo Info => inner.Info;

    public ScannedMap? Last { get; private set; }

    public async ValueTask<ScannedMap> ScanAsync(MemoryMapRequest request, CancellationToken cancellationToken)
    {
        Last = await inner.ScanAsync(request, cancellationToken);
        return Last;
    }
}
