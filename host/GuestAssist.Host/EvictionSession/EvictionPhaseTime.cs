namespace GuestAssist.Host.EvictionSession;

/// <summary>How long a phase took (wall time from its start to the next phase's).</summary>
public readonly record struct EvictionPhaseTime(EvictionPhase Phase, TimeSpan Duration);
