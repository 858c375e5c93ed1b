namespace GuestAssist.Host.Transfer;

/// <summary>Why a run of frames is announced as zero (the flags byte of a ZeroRun frame).</summary>
internal enum ZeroRunReason : byte
{
    /// <summary>The source read the pages and found them all zero.</summary>
    ZeroContent = 0,

    /// <summary>The planner skipped the frames (free/unbacked and clean in the dirty log): never read, zero-filled at the destination.</summary>
    Skipped = 1,
}
