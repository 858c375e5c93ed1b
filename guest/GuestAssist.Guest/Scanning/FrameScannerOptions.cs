namespace GuestAssist.Guest.Scanning;

/// <summary>Tuning for <see cref="FrameScanner"/>.</summary>
public sealed record FrameScannerOptions
{
    /// <summary>Frames per read of each file (a multiple of <see cref="FrameScanner.BlockFrames"/>); 64 Ki frames = 512 KiB per file.</summary>
    public int ChunkFrames { get; init; } = 64 * 1024;

    public uint PageSize { get; init; } = 4096;
}
