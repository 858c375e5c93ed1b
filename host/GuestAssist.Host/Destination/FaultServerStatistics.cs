namespace GuestAssist.Host.Destination;

/// <summary>Counters of a fault server (a consistent-enough snapshot; each counter is read atomically).</summary>
public sealed record FaultServerStatistics(
    long Faults,
    long UrgentRequests,
    long LocalZeroFills,
    long RemoveEvents,
    long PagesInstalled,
    long PagesZeroed,
    long AlreadyPresent,
    long Retries,
    long UnknownFaults,
    long RacedRemovalRepairs);
