namespace GuestAssist.Guest.Throttling;

/// <summary>The parts of /proc/&lt;pid&gt;/stat throttling decides on.</summary>
public readonly record struct ProcessStat(string Command, char State, int ParentPid, bool IsKernelThread);
