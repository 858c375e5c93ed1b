namespace GuestAssist.Agent.Serving;

/// <summary>
/// One GetMemoryMap as the map source sees it: what to include and the encoded bytes per chunk. With
/// <see cref="IndexOwners"/> the scan also keeps every process's frames for the host's DirtyFrames (an eviction session
/// is open whose host feeds them), so the first window after the map does not scan memory a second time.
/// </summary>
public sealed record MemoryMapRequest(bool IncludeHeat, bool IncludeOwners, IReadOnlyList<int> OwnerPids, int MaxChunkBytes = 256 * 1024, bool IndexOwners = false);
