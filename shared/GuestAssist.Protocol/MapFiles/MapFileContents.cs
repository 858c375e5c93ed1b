using GuestAssist.Protocol.PageMaps;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Protocol.MapFiles;

/// <summary>A map file as read: the map, when it was requested (host CLOCK_MONOTONIC ns, null if unknown), and how it was stored.</summary>
public sealed record MapFileContents(PageClassMap Map, ulong? RequestedAtMonotonicNs, HeatMethod HeatMethod, int ChunkCount, bool HasHeader);
