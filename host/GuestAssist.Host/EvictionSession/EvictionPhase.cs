namespace GuestAssist.Host.EvictionSession;

/// <summary>The phases of an eviction, in the only order that is safe (DESIGN.md invariant 1: the dirty log before the map).</summary>
public enum EvictionPhase
{
    ConnectAgent,
    Hello,
    StartDirtyLog,
    BeginEviction,
    MemoryMap,
    PreSwitchover,
    Switchover,
    PostCopy,
    SourceFree,
    EndEviction,
    Done,
}
