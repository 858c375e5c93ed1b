using GuestAssist.Protocol.PageMaps;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Agent.Serving;

/// <summary>A finished map and how its heat was measured (the map itself does not say).</summary>
public sealed record ScannedMap(PageClassMap Map, HeatMethod HeatMethod);
