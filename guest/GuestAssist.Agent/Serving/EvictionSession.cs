using GuestAssist.Protocol.V1;

namespace GuestAssist.Agent.Serving;

/// <summary>An eviction the host announced: which connection owns it and what it asked for.</summary>
public sealed record EvictionSession(ulong Id, string Connection, BeginEviction Request, MapEpoch Epoch, ulong StartedNs);
