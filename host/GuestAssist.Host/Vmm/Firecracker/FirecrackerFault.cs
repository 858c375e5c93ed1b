namespace GuestAssist.Host.Vmm.Firecracker;

/// <summary>Firecracker's error body: <c>{"fault_message": "..."}</c>.</summary>
internal sealed record FirecrackerFault(string? FaultMessage);
