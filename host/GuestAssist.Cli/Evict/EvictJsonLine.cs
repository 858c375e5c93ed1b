namespace GuestAssist.Cli.Evict;

/// <summary>One JSON line of `evict --json`: a progress report ("progress") or, last, the result ("result").</summary>
internal sealed record EvictJsonLine
{
    public required string Type { get; init; }

    public required string Phase { get; init; }

    public double ElapsedS { get; init; }

    public string? Message { get; init; }

    public long BytesSent { get; init; }

    public IReadOnlyDictionary<string, long>? BytesSentByClass { get; init; }

    public IReadOnlyDictionary<string, long>? BytesRemainingByClass { get; init; }

    public double PagesPerSecond { get; init; }

    public double? DirtyBytesPerSecond { get; init; }

    public int ThrottledProcesses { get; init; }

    public long FaultsServed { get; init; }

    public long SkippedFrames { get; init; }

    /// <summary>Urgent requests' wait at the page server (request read → page written); absent before the first fault.</summary>
    public EvictJsonLatency? UrgentWait { get; init; }

    /// <summary>Bytes of the source's copy released (punched out) as the destination confirmed their pages.</summary>
    public long ReleasedBytes { get; init; }

    public string? Agent { get; init; }

    public string? Outage { get; init; }

    public int ConnectionDrops { get; init; }

    public string? Outcome { get; init; }

    public string? Error { get; init; }

    public int? ExitCode { get; init; }

    public string? Plan { get; init; }

    public bool? LeftPaused { get; init; }

    /// <summary>Seconds per phase, in phase order.</summary>
    public IReadOnlyDictionary<string, double>? PhaseTimesS { get; init; }
}
