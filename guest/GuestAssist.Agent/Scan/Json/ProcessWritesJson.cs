namespace GuestAssist.Agent.Scan.Json;

/// <summary>Pages one process wrote in the heat window, and the dirty rate that makes.</summary>
internal sealed record ProcessWritesJson(int Pid, ulong Pages, double BytesPerSecond);
