using System.Runtime.InteropServices;
using GuestAssist.Guest.ProcFs;
using GuestAssist.Protocol.V1;
using Microsoft.Win32.SafeHandles;

namespace GuestAssist.Guest.Heat;

/// <summary>
/// Samples /sys/kernel/mm/page_idle/bitmap: marks every RAM frame idle, waits one window, reads the bitmap
/// back (a cleared bit = accessed) and keeps the last <see cref="HistoryDepth"/> windows as "hot recently".
/// Where the bitmap is missing, heat falls back to LRU ACTIVE+REFERENCED and the result says so.
/// Bitmaps are allocated once and reused by every sample.
/// </summary>
public sealed class WorkingSetSampler : IHeatMonitor
{
    public const int HistoryDepth = HeatHistory.Depth;
    private const int IoWords = 64 * 1024;

    private readonly ProcFsPaths _paths;
    private readonly IReadOnlyList<PfnRange> _ranges;
    private readonly Func<TimeSpan, CancellationToken, Task> _delay;
    private readonly ulong[] _io = new ulong[IoWords];
    private readonly HeatHistory _history;

    /// <summary>The delay waits out the window; tests pass one that simulates accesses in a fixture bitmap.</summary>
    public WorkingSetSampler(ProcFsPaths paths, IReadOnlyList<PfnRange> ranges, Func<TimeSpan, CancellationToken, Task>? delay = null)
    {
        _paths = paths;
        _ranges = ranges;
        _delay = delay ?? Task.Delay;
        _history = new HeatHistory(ranges.Count == 0 ? 0 : ranges[^1].End);
    }

    public static TimeSpan DefaultWindow { get; } = TimeSpan.FromSeconds(2);

    public HeatMethod Method => HeatMethod.IdleTracking;

    public string Cost => "the agent writes and reads 1 bit per frame of page_idle/bitmap per window (an rmap walk per LRU page in the kernel)";

    public void Dispose()
    {
    }

    public bool IsAvailable => File.Exists(_paths.PageIdleBitmap);

    public async Task<WorkingSet> SampleAsync(TimeSpan window, CancellationToken cancellationToken = default)
    {
        if (!IsAvailable)
        {
            return WorkingSet.FromLruFlags($"{_paths.PageIdleBitmap} missing (CONFIG_IDLE_PAGE_TRACKING off): heat from LRU ACTIVE+REFERENCED");
        }
        SafeFileHandle bitmap;
        try
        {
            bitmap = File.OpenHandle(_paths.PageIdleBitmap, FileMode.Open, FileAccess.ReadWrite);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return WorkingSet.FromLruFlags($"{_paths.PageIdleBitmap} not usable ({e.Message}): heat from LRU ACTIVE+REFERENCED");
        }
        using (bitmap)
        {
            MarkIdle(bitmap);
            await _delay(window, cancellationToken).ConfigureAwait(false);
            ReadAccessed(bitmap);
        }
        return new WorkingSet(HeatMethod.IdleTracking, _history.Now, _history.Recent, window, "idle page tracking", Cost);
    }

    private void MarkIdle(SafeFileHandle bitmap)
    {
        _io.AsSpan().Fill(ulong.MaxValue);
        foreach (var (first, end) in WordRanges())
        {
            for (var word = first; word < end; word += IoWords)
            {
                var count = (int)Math.Min(IoWords, end - word);
                RandomAccess.Write(bitmap, MemoryMarshal.AsBytes(_io.AsSpan(0, count)), word * sizeof(ulong));
            }
        }
    }

    private void ReadAccessed(SafeFileHandle bitmap)
    {
        // The window just sampled becomes history; "recent" is every earlier window still kept.
        _history.BeginWindow();
        var now = _history.Now;
        foreach (var (first, end) in WordRanges())
        {
            for (var word = first; word < end; word += IoWords)
            {
                var count = (int)Math.Min(IoWords, end - word);
                var span = _io.AsSpan(0, count);
                var read = RandomAccess.Read(bitmap, MemoryMarshal.AsBytes(span), word * sizeof(ulong)) / sizeof(ulong);
                for (var i = 0; i < read; i++)
                {
                    now[word + i] = ~span[i];
                }
            }
        }
        _history.EndWindow();
    }

    private IEnumerable<(long First, long End)> WordRanges()
    {
        foreach (var range in _ranges)
        {
            yield return ((long)(range.Start / 64), (long)((range.End + 63) / 64));
        }
    }
}
