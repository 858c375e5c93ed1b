using GuestAssist.Host.Layout;

namespace GuestAssist.Host.DirtyLog.Files;

/// <summary>Opens a dirty log given as a file: a GADIRTY1 bitmap, or else a Firecracker diff snapshot with its interval sidecar.</summary>
public static class SuppliedDirtyLog
{
    public static DirtyBitmap Open(string path, GuestMemoryLayout layout)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(layout);
        try
        {
            return DirtyBitmapFile.HasMagic(path)
                ? DirtyBitmapFile.Read(path, layout.TotalFrames, layout.PageSize)
                : FirecrackerDiffSnapshot.Read(path, layout);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            throw new DirtyLogFileException($"dirty log {path}: {e.Message}", e);
        }
    }
}
