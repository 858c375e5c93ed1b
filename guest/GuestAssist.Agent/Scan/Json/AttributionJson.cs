namespace GuestAssist.Agent.Scan.Json;

/// <summary>`--by-process`: how many processes were walked and the top ones by frames.</summary>
internal sealed record AttributionJson(int Walked, int Vanished, int Denied, int OwnedFrames, bool PfnsHidden, IReadOnlyList<ProcessJson> Processes);
