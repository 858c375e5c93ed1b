using System.Text.Json;
using GuestAssist.Host.Layout;
using GuestAssist.Linux.Files;

namespace GuestAssist.Host.DirtyLog.Files;

/// <summary>
/// A Firecracker diff snapshot's memory file (<c>snapshot_type: "Diff"</c>, the VM booted with
/// <c>track_dirty_pages</c>) read as a dirty log: Firecracker writes only the pages dirtied since the previous
/// snapshot and leaves the rest a hole, so the file's data extents (lseek SEEK_DATA/SEEK_HOLE) are the written pages.
/// The file is the regions concatenated, like a full snapshot's. The interval comes beside it, in
/// <c>FILE.json</c>: <c>{"tracking_started_at_ns": N, "sealed_at_ns": M}</c> (host CLOCK_MONOTONIC: the previous
/// snapshot, or boot, and the diff's own creation with the VM paused). A copy that lost its holes reads as all
/// written: safe, it only skips less.
/// </summary>
internal static class FirecrackerDiffSnapshot
{
    /// <summary>The sidecar holding the interval: the memory file's path + ".json".</summary>
    public static string IntervalPath(string memoryFile) => memoryFile + ".json";

    public static void WriteInterval(string memoryFile, ulong trackingStartedAtNs, ulong sealedAtNs) =>
        File.WriteAllText(IntervalPath(memoryFile), JsonSerializer.Serialize(new DirtyLogInterval(trackingStartedAtNs, sealedAtNs), DirtyLogJsonContext.Default.DirtyLogInterval) + "\n");

    /// <summary>Reads the diff file and its sidecar into a sealed log over the layout's frames.</summary>
    public static DirtyBitmap Read(string memoryFile, GuestMemoryLayout layout)
    {
        ArgumentNullException.ThrowIfNull(memoryFile);
        ArgumentNullException.ThrowIfNull(layout);
        var name = Path.GetFileName(memoryFile);
        DirtyLogInterval interval;
        try
        {
            interval = JsonSerializer.Deserialize(File.ReadAllText(IntervalPath(memoryFile)), DirtyLogJsonContext.Default.DirtyLogInterval)
                ?? throw new DirtyLogFileException($"diff snapshot {name}: {name}.json is empty");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException && e is not DirtyLogFileException)
        {
            throw new DirtyLogFileException($"diff snapshot {name}: its interval {name}.json cannot be read: {e.Message}", e);
        }
        return Read(memoryFile, layout, interval.TrackingStartedAtNs, interval.SealedAtNs);
    }

    /// <summary>Reads the diff file into a sealed log covering <paramref name="trackingStartedAtNs"/> .. <paramref name="sealedAtNs"/>.</summary>
    public static DirtyBitmap Read(string memoryFile, GuestMemoryLayout layout, ulong trackingStartedAtNs, ulong sealedAtNs)
    {
        ArgumentNullException.ThrowIfNull(memoryFile);
        ArgumentNullException.ThrowIfNull(layout);
        var name = Path.GetFileName(memoryFile);
        if (trackingStartedAtNs == 0 || sealedAtNs < trackingStartedAtNs)
        {
            throw new DirtyLogFileException($"diff snapshot {name}: interval {trackingStartedAtNs} .. {sealedAtNs} ns is not a tracking interval");
        }
        try
        {
            using var file = File.OpenHandle(memoryFile);
            var length = RandomAccess.GetLength(file);
            if ((ulong)length != layout.FileBytes)
            {
                throw new DirtyLogFileException($"diff snapshot {name}: {length} bytes, the guest's memory file has {layout.FileBytes}");
            }
            var log = new DirtyBitmap(layout.TotalFrames, HostClock.FromMonotonicNs(trackingStartedAtNs));
            var page = (long)layout.PageSize;
            foreach (var extent in SparseFile.DataExtents(file))
            {
                // Extents are file-system blocks; a page partly inside one counts as written.
                for (var offset = extent.Offset / page * page; offset < extent.End; offset += page)
                {
                    log.MarkDirty(GfnOfFileOffset(layout, (ulong)offset));
                }
            }
            log.Seal(Math.Max(HostClock.FromMonotonicNs(sealedAtNs), log.TrackingStartedAt + 1));
            return log;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && e is not DirtyLogFileException)
        {
            throw new DirtyLogFileException($"diff snapshot {memoryFile}: {e.Message}", e);
        }
    }

    private static ulong GfnOfFileOffset(GuestMemoryLayout layout, ulong offset)
    {
        foreach (var region in layout.Regions)
        {
            if (offset >= region.FileOffset && offset < region.FileOffset + region.Size)
            {
                return (region.GuestPhysicalAddress + (offset - region.FileOffset)) >> layout.PageShift;
            }
        }
        throw new DirtyLogFileException($"file offset {offset} is in no region of the guest's layout");
    }
}
