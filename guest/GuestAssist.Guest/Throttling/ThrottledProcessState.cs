namespace GuestAssist.Guest.Throttling;

/// <summary>One throttled process as status shows it: its duty and the dirty rate that put it there.</summary>
public sealed record ThrottledProcessState(int Pid, string Command, double Duty, double DirtyBytesPerSecond, string Method);
