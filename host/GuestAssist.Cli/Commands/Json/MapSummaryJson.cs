namespace GuestAssist.Cli.Commands.Json;

/// <summary>`agent map --json`: the map's epoch, size and frames per class.</summary>
internal sealed record MapSummaryJson(
    ulong Epoch,
    ulong GuestMonotonicNs,
    uint PageSize,
    ulong TotalFrames,
    int Runs,
    int Chunks,
    long EncodedBytes,
    string HeatMethod,
    int Owners,
    IReadOnlyDictionary<string, ClassFramesJson> Classes);
