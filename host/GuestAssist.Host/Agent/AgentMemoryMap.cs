using GuestAssist.Protocol.PageMaps;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Host.Agent;

/// <summary>
/// A map fetched from the agent. <see cref="RequestedAt"/> is <c>Stopwatch.GetTimestamp()</c> taken just
/// before the request was sent: the scan began after it, so a dirty log running since then covers the map.
/// </summary>
public sealed record AgentMemoryMap(PageClassMap Map, long RequestedAt, HeatMethod HeatMethod, int ChunkCount, long EncodedBytes)
{
    public void Deconstruct(out PageClassMap map, out long requestedAt)
    {
        map = Map;
        requestedAt = RequestedAt;
    }
}
