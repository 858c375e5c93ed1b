namespace GuestAssist.Agent.Serving;

/// <summary>One GetMemoryMap as the map source sees it.</summary>
public sealed record MemoryMapRequest(bool IncludeHeat, bool IncludeOwners, IReadOnlyList<int> OwnerPids);
