namespace GuestAssist.Host.Vmm.Firecracker;

/// <summary>Body of PUT /snapshot/load on the destination: the device state and where guest memory comes from.</summary>
public sealed record FirecrackerSnapshotLoad(string SnapshotPath, FirecrackerMemoryBackend MemBackend, bool ResumeVm = true);
