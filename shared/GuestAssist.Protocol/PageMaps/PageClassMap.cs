using GuestAssist.Protocol.V1;

namespace GuestAssist.Protocol.PageMaps;

/// <summary>
/// The guest's class for every frame GFN 0 .. TotalFrames, as sorted, non-overlapping, gap-free runs,
/// with optional per-run heat (0 cold .. 255 hot now) and owner (index into Owners + 1, 0 = none).
/// </summary>
public sealed class PageClassMap
{
    private readonly ClassRun[] _runs;

    public PageClassMap(
        MapEpoch epoch,
        uint pageSize,
        ClassRun[] runs,
        byte[]? runHeat = null,
        uint[]? runOwner = null,
        IReadOnlyList<FrameOwner>? owners = null)
    {
        ArgumentNullException.ThrowIfNull(epoch);
        ArgumentNullException.ThrowIfNull(runs);
        ulong next = 0;
        foreach (var run in runs)
        {
            if (run.StartGfn != next || run.Length == 0)
            {
                throw new ArgumentException($"runs must be gap-free and non-empty: expected a run at GFN {next}, got {run}", nameof(runs));
            }
            next = run.EndGfn;
        }
        if (runHeat is not null && runHeat.Length != runs.Length)
        {
            throw new ArgumentException($"runHeat has {runHeat.Length} entries for {runs.Length} runs", nameof(runHeat));
        }
        if (runOwner is not null && runOwner.Length != runs.Length)
        {
            throw new ArgumentException($"runOwner has {runOwner.Length} entries for {runs.Length} runs", nameof(runOwner));
        }
        Epoch = epoch;
        PageSize = pageSize;
        _runs = runs;
        TotalFrames = next;
        RunHeat = runHeat;
        RunOwner = runOwner;
        Owners = owners ?? [];
    }

    public MapEpoch Epoch { get; }

    public uint PageSize { get; }

    public ulong TotalFrames { get; }

    public ReadOnlySpan<ClassRun> Runs => _runs;

    public int RunCount => _runs.Length;

    public byte[]? RunHeat { get; }

    public uint[]? RunOwner { get; }

    public IReadOnlyList<FrameOwner> Owners { get; }

    /// <summary>Index of the run holding <paramref name="gfn"/>, by binary search.</summary>
    public int RunIndexOf(ulong gfn)
    {
        if (gfn >= TotalFrames)
        {
            throw new ArgumentOutOfRangeException(nameof(gfn), gfn, $"map covers GFN 0..{TotalFrames}");
        }
        int lo = 0, hi = _runs.Length - 1;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) >>> 1;
            if (_runs[mid].StartGfn <= gfn)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return lo;
    }

    public PageClass ClassOf(ulong gfn) => _runs[RunIndexOf(gfn)].Class;

    public ulong CountOf(PageClass pageClass)
    {
        ulong total = 0;
        foreach (var run in _runs)
        {
            if (run.Class == pageClass)
            {
                total += run.Length;
            }
        }
        return total;
    }
}
