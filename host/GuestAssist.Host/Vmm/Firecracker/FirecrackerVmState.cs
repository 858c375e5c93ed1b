namespace GuestAssist.Host.Vmm.Firecracker;

/// <summary>Body of PATCH /vm: "Paused" or "Resumed".</summary>
internal sealed record FirecrackerVmState(string State);
