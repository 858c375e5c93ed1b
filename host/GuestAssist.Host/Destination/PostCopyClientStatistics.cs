namespace GuestAssist.Host.Destination;

/// <summary>What the destination engine received and did with it.</summary>
public sealed record PostCopyClientStatistics(
    long PagesInstalled,
    long ZeroPagesFilled,
    long SkippedFramesFilled,
    long UrgentRequestsSent,
    long UrgentPagesReceived,
    long DuplicateDeliveries,
    long DoubleInstalls,
    long UrgentReconnects,
    long BackgroundReconnects,
    long CutsInjected,
    long ReceivedBytes,
    long OutageAttempts = 0,
    TimeSpan LongestOutage = default);
