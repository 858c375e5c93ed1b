using GuestAssist.Host.Source;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Cli.Commands.Json;

/// <summary>`page-server --json`: what the server sent by the time it stopped, in total and per page class.</summary>
internal sealed record PageServerStatsJson(
    long UrgentBytes,
    long BackgroundBytes,
    long PagesSent,
    long ZeroPages,
    long SkippedFrames,
    long UrgentRequests,
    long Batches,
    long Connections,
    IReadOnlyDictionary<string, long> BytesByClass,
    IReadOnlyDictionary<string, long> PagesByClass)
{
    public static PageServerStatsJson From(PageServerStatistics stats)
    {
        ArgumentNullException.ThrowIfNull(stats);
        return new(stats.UrgentBytes, stats.BackgroundBytes, stats.PagesSent, stats.ZeroPages, stats.SkippedFrames, stats.UrgentRequests,
            stats.Batches, stats.Connections, ByClass(stats.BytesByPageClass), ByClass(stats.PagesByPageClass));
    }

    // Slot i is PageClass i; slot 0 (unspecified) is never sent and left out.
    private static Dictionary<string, long> ByClass(IReadOnlyList<long> slots)
    {
        var byClass = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var i = 1; i < slots.Count; i++)
        {
            byClass[AgentMapCommand.Name((PageClass)i)] = slots[i];
        }
        return byClass;
    }
}
