using GuestAssist.Host.Measuring;

namespace GuestAssist.Host.Source;

/// <summary>What a page server sent; thread-safe, read with Snapshot.</summary>
public sealed class PageServerCounters
{
    /// <summary>Page classes are indexed by the PageClass enum value (0..7).</summary>
    public const int ClassSlots = (int)GuestAssist.Protocol.V1.PageClass.Unproven + 1;

    private readonly long[] _bytesByClass = new long[ClassSlots];
    private readonly long[] _pagesByClass = new long[ClassSlots];
    private long _urgentBytes;
    private long _backgroundBytes;
    private long _pages;
    private long _zeroPages;
    private long _skippedFrames;
    private long _urgentRequests;
    private long _batches;
    private long _connections;
    private long _pushedBeforeSwitchover;
    private long _resentAtSwitchover;
    private long _confirmedFrames;
    private long _releasedBytes;

    /// <summary>
    /// Each urgent request's wait inside the page server: from its frame read off the urgent channel to its page (or zero
    /// run) written to the socket, link limit included. The destination's own blocktime adds the network both ways.
    /// </summary>
    public LatencyHistogram UrgentWait { get; } = new();

    internal void AddPages(TrafficClass trafficClass, int pageClass, int pages, long bytes)
    {
        Interlocked.Add(ref trafficClass == TrafficClass.Urgent ? ref _urgentBytes : ref _backgroundBytes, bytes);
        Interlocked.Add(ref _pages, pages);
        Interlocked.Add(ref _bytesByClass[pageClass], bytes);
        Interlocked.Add(ref _pagesByClass[pageClass], pages);
    }

    internal void AddZeroPages(TrafficClass trafficClass, long pages, long headerBytes)
    {
        Interlocked.Add(ref trafficClass == TrafficClass.Urgent ? ref _urgentBytes : ref _backgroundBytes, headerBytes);
        Interlocked.Add(ref _zeroPages, pages);
    }

    internal void AddSkipped(long frames, long headerBytes)
    {
        Interlocked.Add(ref _backgroundBytes, headerBytes);
        Interlocked.Add(ref _skippedFrames, frames);
    }

    internal void AddUrgentRequest() => Interlocked.Increment(ref _urgentRequests);

    internal void AddBatch() => Interlocked.Increment(ref _batches);

    internal void AddConnection() => Interlocked.Increment(ref _connections);

    internal void AddPushedBeforeSwitchover(long frames) => Interlocked.Add(ref _pushedBeforeSwitchover, frames);

    internal void AddResentAtSwitchover(long frames) => Interlocked.Add(ref _resentAtSwitchover, frames);

    internal void AddConfirmed(long frames) => Interlocked.Add(ref _confirmedFrames, frames);

    internal void AddReleased(long bytes) => Interlocked.Add(ref _releasedBytes, bytes);

    public PageServerStatistics Snapshot()
    {
        var bytes = new long[ClassSlots];
        var pages = new long[ClassSlots];
        for (var i = 0; i < ClassSlots; i++)
        {
            bytes[i] = Interlocked.Read(ref _bytesByClass[i]);
            pages[i] = Interlocked.Read(ref _pagesByClass[i]);
        }
        return new PageServerStatistics(
            Interlocked.Read(ref _urgentBytes),
            Interlocked.Read(ref _backgroundBytes),
            Interlocked.Read(ref _pages),
            Interlocked.Read(ref _zeroPages),
            Interlocked.Read(ref _skippedFrames),
            Interlocked.Read(ref _urgentRequests),
            Interlocked.Read(ref _batches),
            Interlocked.Read(ref _connections),
            bytes,
            pages)
        {
            UrgentWait = UrgentWait.Summarize(),
            PushedBeforeSwitchover = Interlocked.Read(ref _pushedBeforeSwitchover),
            ResentAtSwitchover = Interlocked.Read(ref _resentAtSwitchover),
            ConfirmedFrames = Interlocked.Read(ref _confirmedFrames),
            ReleasedBytes = Interlocked.Read(ref _releasedBytes),
        };
    }
}
