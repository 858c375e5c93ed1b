namespace GuestAssist.Host.EvictionSession;

/// <summary>How memory moves: all of it after switchover, or the hot set first while the VM still runs.</summary>
public enum EvictionMode
{
    PostCopy,
    Hybrid,
}
