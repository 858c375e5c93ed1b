using GuestAssist.Guest.Classification;

namespace GuestAssist.Guest.Attribution;

/// <summary>One process's present pages and their frames' classes (shared frames count for every mapper).</summary>
public sealed class ProcessFrames
{
    internal ProcessFrames(ProcessOwner owner) => Owner = owner;

    public ProcessOwner Owner { get; }

    public int Pid => Owner.Pid;

    /// <summary>Present pages with a known frame.</summary>
    public ulong Frames { get; internal set; }

    /// <summary>Present pages whose frame number the kernel hid (no CAP_SYS_ADMIN).</summary>
    public ulong HiddenFrames { get; internal set; }

    /// <summary>Frames the scan found free that the process mapped by the time its pages were walked.</summary>
    public ulong AllocatedSinceScan { get; internal set; }

    /// <summary>Classes of the frames as scanned; frames allocated after the scan are in <see cref="AllocatedSinceScan"/>.</summary>
    public ClassCounts Counts { get; } = new();
}
