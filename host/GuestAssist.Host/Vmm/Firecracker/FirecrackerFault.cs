namespace GuestAssist.Host.Vmm.Firecracker;

/// <summary>Firecracker's error body: <c>{"fault_message": "..."}</c>.</summary>
public sealed record FirecrackerFault(string? FaultMessage);
