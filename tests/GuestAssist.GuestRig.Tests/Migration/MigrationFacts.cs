namespace GuestAssist.GuestRig.Tests.Migration;

/// <summary>
/// What one method's migration did, in host Stopwatch timestamps: when the source's vCPUs stopped for good and the
/// destination's started, when the source's memory was no longer needed, what crossed the link, the faults.
/// </summary>
public sealed record MigrationFacts
{
    public long? SourceStopped { get; init; }

    public long? DestinationResumed { get; init; }

    public long? SourceFree { get; init; }

    public long BytesSent { get; init; }

    /// <summary>Bytes per page class (GuestAssist only), class name → bytes.</summary>
    public IReadOnlyDictionary<string, long> BytesByClass { get; init; } = new Dictionary<string, long>();

    public long? Faults { get; init; }

    /// <summary>Total vCPU time blocked on faults, when the method measures it.</summary>
    public double? BlocktimeSeconds { get; init; }

    public string Notes { get; init; } = "";
}
