namespace GuestAssist.Agent.Scan.Json;

/// <summary>One process's frames, by class.</summary>
internal sealed record ProcessJson(int Pid, string Command, string Cgroup, ulong Frames, ulong AllocatedSinceScan, IReadOnlyDictionary<string, ulong> Classes);
