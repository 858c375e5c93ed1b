namespace GuestAssist.Host.Vmm.Firecracker;

/// <summary>Body of PATCH /vm: "Paused" or "Resumed".</summary>
public sealed record FirecrackerVmState(string State);
