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
}
