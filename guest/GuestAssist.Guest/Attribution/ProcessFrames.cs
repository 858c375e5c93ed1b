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

    public ClassCounts Counts { get; } = new();
}
