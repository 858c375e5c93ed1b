namespace GuestAssist.Protocol.Handshake;

/// <summary>Capability strings exchanged in Hello/HelloAck. Unknown strings from a newer peer are simply not shared.</summary>
public static class Capabilities
{
    public const string MemoryMapV1 = "memory-map.v1";
    public const string MemoryMapHeat = "memory-map.heat";
    public const string MemoryMapOwners = "memory-map.owners";
    public const string IdleTracking = "idle-tracking";
    public const string SoftDirty = "soft-dirty";
    public const string DirtyAttributionV1 = "dirty-attribution.v1";
    public const string ThrottleSigstop = "throttle.sigstop";
    public const string ThrottleCgroup = "throttle.cgroup";
    public const string Heartbeat = "heartbeat";

    /// <summary>Every capability this build knows of.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        MemoryMapV1, MemoryMapHeat, MemoryMapOwners, IdleTracking, SoftDirty,
        DirtyAttributionV1, ThrottleSigstop, ThrottleCgroup, Heartbeat,
    ];
}
