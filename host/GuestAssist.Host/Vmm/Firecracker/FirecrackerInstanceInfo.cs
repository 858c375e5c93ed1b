namespace GuestAssist.Host.Vmm.Firecracker;

/// <summary>GET / : the instance as Firecracker describes it; <c>state</c> is "Not started", "Running" or "Paused".</summary>
public sealed record FirecrackerInstanceInfo(string Id, string State, string VmmVersion, string AppName);
