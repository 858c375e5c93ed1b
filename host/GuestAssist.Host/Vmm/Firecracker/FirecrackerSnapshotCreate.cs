namespace GuestAssist.Host.Vmm.Firecracker;

/// <summary>Body of PUT /snapshot/create. <c>snapshot_type</c> is "Full" or "Diff" (Diff: only pages dirtied since the last snapshot; needs <c>track_dirty_pages</c>).</summary>
public sealed record FirecrackerSnapshotCreate(string SnapshotPath, string MemFilePath, string SnapshotType = "Full");
