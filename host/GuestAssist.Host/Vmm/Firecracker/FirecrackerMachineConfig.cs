namespace GuestAssist.Host.Vmm.Firecracker;

/// <summary>GET /machine-config (the fields an eviction needs). <c>huge_pages</c> is "None" or "2M".</summary>
public sealed record FirecrackerMachineConfig(int VcpuCount, ulong MemSizeMib, string? HugePages = null, bool TrackDirtyPages = false);
