namespace GuestAssist.Agent.Serving;

/// <summary>One GetMemoryMap as the map source sees it: what to include and the encoded bytes per chunk.</summary>
public sealed record MemoryMapRequest(bool IncludeHeat, bool IncludeOwners, IReadOnlyList<int> OwnerPids, int MaxChunkBytes = 256 * 1024);
