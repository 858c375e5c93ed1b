using GuestAssist.Host.Layout;

namespace GuestAssist.Host.Source;

/// <summary>
/// Groups the source's release into blocks of 2 MiB of guest-physical space (one frame each with 2 MiB pages or larger):
/// a block is released when the last of its
/// backed frames is confirmed. Releasing each confirmed run at once punched a hole per run (class order sends scattered
/// frames, so most runs are a page or two), and every punch unmapped and flushed the TLB of the source's mappings on the
/// core the destination's faults were served from. Thread-safe: each frame is counted once (the caller's released
/// bitmap sees to that).
/// </summary>
internal sealed class ReleaseBlocks
{
    public const ulong BlockBytes = 2UL << 20;

    private readonly ulong _framesPerBlock;
    private readonly int[] _backed;
    private readonly int[] _confirmed;

    public ReleaseBlocks(GuestMemoryLayout layout)
    {
        _framesPerBlock = Math.Max(1, BlockBytes / layout.PageSize);
        var blocks = (int)((layout.TotalFrames + _framesPerBlock - 1) / _framesPerBlock);
        _backed = new int[blocks];
        _confirmed = new int[blocks];
        foreach (var region in layout.Regions)
        {
            var gfn = region.GuestPhysicalAddress >> layout.PageShift;
            var end = region.GuestPhysicalEnd >> layout.PageShift;
            while (gfn < end)
            {
                var block = (int)(gfn / _framesPerBlock);
                var blockEnd = Math.Min(end, (ulong)(block + 1) * _framesPerBlock);
                _backed[block] += (int)(blockEnd - gfn);
                gfn = blockEnd;
            }
        }
    }

    /// <summary>
    /// Counts the backed frames [first, end) as confirmed (each exactly once across all calls) and reports every block
    /// this completes as its frame range.
    /// </summary>
    public void Confirmed(ulong first, ulong end, Action<ulong, ulong> blockComplete)
    {
        var gfn = first;
        while (gfn < end)
        {
            var block = (int)(gfn / _framesPerBlock);
            var blockStart = (ulong)block * _framesPerBlock;
            var blockEnd = blockStart + _framesPerBlock;
            var pieceEnd = Math.Min(end, blockEnd);
            if (Interlocked.Add(ref _confirmed[block], (int)(pieceEnd - gfn)) == _backed[block])
            {
                blockComplete(blockStart, blockEnd);
            }
            gfn = pieceEnd;
        }
    }
}
