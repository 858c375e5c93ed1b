namespace GuestAssist.Guest.Attribution;

/// <summary>A process that owns frames: pid, command name and (memory) cgroup path.</summary>
public sealed record ProcessOwner(int Pid, string Command, string Cgroup);
