namespace GuestAssist.Cli.Commands.Json;

/// <summary>One process the agent is duty-cycling: its duty and the dirty rate that made it.</summary>
internal sealed record ThrottledProcessJson(int Pid, string Command, double Duty, double DirtyBytesPerSecond, string Method);
