using GuestAssist.Protocol.V1;

namespace GuestAssist.Protocol.MapFiles;

/// <summary>What goes into a map file besides the map.</summary>
public sealed record MapFileOptions
{
    /// <summary>Host CLOCK_MONOTONIC ns taken just before the map was requested; null when the writer cannot know it (in the guest).</summary>
    public ulong? RequestedAtMonotonicNs { get; init; }

    /// <summary>The access monitor the heat came from, recorded in every chunk.</summary>
    public HeatMethod HeatMethod { get; init; } = HeatMethod.Unspecified;

    public int MaxChunkBytes { get; init; } = 256 * 1024;
}
