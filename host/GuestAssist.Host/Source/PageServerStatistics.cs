using GuestAssist.Host.Measuring;

namespace GuestAssist.Host.Source;

/// <summary>A snapshot of <see cref="PageServerCounters"/>. Byte counts include frame headers; per-class figures count page data only.</summary>
public sealed record PageServerStatistics(
    long UrgentBytes,
    long BackgroundBytes,
    long PagesSent,
    long ZeroPages,
    long SkippedFrames,
    long UrgentRequests,
    long Batches,
    long Connections,
    IReadOnlyList<long> BytesByPageClass,
    IReadOnlyList<long> PagesByPageClass)
{
    public long TotalBytes => UrgentBytes + BackgroundBytes;

    /// <summary>Urgent requests' waits in the page server (request read → page written), see <see cref="PageServerCounters.UrgentWait"/>.</summary>
    public BlocktimeSummary UrgentWait { get; init; }

    /// <summary>Frames pushed while the VM still ran (hybrid), and how many of them went again at switchover because the guest wrote them since.</summary>
    public long PushedBeforeSwitchover { get; init; }

    public long ResentAtSwitchover { get; init; }

    /// <summary>Frames the destination confirmed installed (each counted once).</summary>
    public long ConfirmedFrames { get; init; }

    /// <summary>Bytes of the source's copy released after confirmation (<see cref="PageServerOptions.ReleaseSource"/>).</summary>
    public long ReleasedBytes { get; init; }
}
