namespace GuestAssist.Guest.Throttling;

/// <summary>The parts of /proc/&lt;pid&gt;/stat throttling decides on; <see cref="CpuTicks"/> is utime + stime in clock ticks.</summary>
public readonly record struct ProcessStat(string Command, char State, int ParentPid, bool IsKernelThread, long CpuTicks = 0);
