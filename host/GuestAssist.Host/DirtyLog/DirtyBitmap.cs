using System.Diagnostics;
using System.Numerics;

namespace GuestAssist.Host.DirtyLog;

/// <summary>
/// A dirty log fed from outside: bitmaps from KVM_GET_DIRTY_LOG (one per memslot, bit i = slot base GFN + i)
/// or whatever a VMM reports, and single frames. Merging only ever adds dirty bits; a sealed log refuses
/// more input, because a skip decision may already rest on it. Merge and MarkDirty may run on one thread
/// while the planner reads on another.
/// </summary>
public sealed class DirtyBitmap : IDirtyLog
{
    private readonly ulong[] _words;
    private long _sealedAt;

    /// <param name="totalFrames">Frames covered (GFN 0 .. totalFrames).</param>
    /// <param name="trackingStartedAt">
    /// Stopwatch ticks at which the VMM began logging writes to every covered frame (for KVM: when
    /// KVM_MEM_LOG_DIRTY_PAGES was set on all memslots, or the last KVM_CLEAR_DIRTY_LOG before the map request).
    /// </param>
    public DirtyBitmap(ulong totalFrames, long trackingStartedAt)
    {
        if (totalFrames > (ulong)int.MaxValue * 64)
        {
            throw new ArgumentOutOfRangeException(nameof(totalFrames), totalFrames, "too many frames for one bitmap");
        }
        TotalFrames = totalFrames;
        TrackingStartedAt = trackingStartedAt;
        _words = new ulong[(totalFrames + 63) / 64];
    }

    /// <summary>A log whose tracking starts now.</summary>
    public static DirtyBitmap StartNow(ulong totalFrames) => new(totalFrames, Stopwatch.GetTimestamp());

    public ulong TotalFrames { get; }

    public long TrackingStartedAt { get; }

    public long? SealedAt
    {
        get
        {
            var at = Volatile.Read(ref _sealedAt);
            return at == 0 ? null : at;
        }
    }

    /// <summary>The merged bits (bit gfn % 64 of word gfn / 64); read-only view for fast scans.</summary>
    public ReadOnlySpan<ulong> Words => _words;

    public bool IsDirty(ulong gfn) =>
        gfn < TotalFrames && (Volatile.Read(ref _words[gfn >> 6]) & (1UL << (int)(gfn & 63))) != 0;

    public void MarkDirty(ulong gfn)
    {
        ThrowIfSealed();
        if (gfn >= TotalFrames)
        {
            throw new ArgumentOutOfRangeException(nameof(gfn), gfn, $"the dirty log covers GFN 0..{TotalFrames}");
        }
        Interlocked.Or(ref _words[gfn >> 6], 1UL << (int)(gfn & 63));
    }

    /// <summary>
    /// ORs a bitmap whose bit i stands for GFN <paramref name="firstGfn"/> + i into the log. Set bits beyond
    /// <see cref="TotalFrames"/> are refused (nothing is merged); zero padding beyond it is fine.
    /// </summary>
    public void Merge(ReadOnlySpan<ulong> words, ulong firstGfn)
    {
        ThrowIfSealed();
        var bits = (ulong)words.Length * 64;
        if (firstGfn > TotalFrames)
        {
            throw new ArgumentOutOfRangeException(nameof(firstGfn), firstGfn, $"the dirty log covers GFN 0..{TotalFrames}");
        }
        var inRange = Math.Min(bits, TotalFrames - firstGfn);
        for (var i = inRange; i < bits;)
        {
            var w = (int)(i >> 6);
            var beyond = words[w] & (~0UL << (int)(i & 63));
            if (beyond != 0)
            {
                var gfn = firstGfn + ((ulong)w << 6) + (uint)BitOperations.TrailingZeroCount(beyond);
                throw new ArgumentOutOfRangeException(nameof(words), $"dirty bit for GFN {gfn} is beyond the {TotalFrames} frames the log covers");
            }
            i = (ulong)(w + 1) << 6;
        }
        var shift = (int)(firstGfn & 63);
        var target = (int)(firstGfn >> 6);
        var count = (int)((inRange + 63) / 64);
        for (var i = 0; i < count; i++)
        {
            var word = words[i];
            if (i == count - 1 && (inRange & 63) != 0)
            {
                word &= (1UL << (int)(inRange & 63)) - 1;
            }
            if (word == 0)
            {
                continue;
            }
            if (shift == 0)
            {
                Interlocked.Or(ref _words[target + i], word);
            }
            else
            {
                Interlocked.Or(ref _words[target + i], word << shift);
                var carry = word >> (64 - shift);
                if (carry != 0)
                {
                    Interlocked.Or(ref _words[target + i + 1], carry);
                }
            }
        }
    }

    public ulong CountDirty()
    {
        ulong n = 0;
        foreach (var w in _words)
        {
            n += (ulong)BitOperations.PopCount(w);
        }
        return n;
    }

    /// <summary>Nothing to collect: the caller supplies the bits.</summary>
    public void Collect()
    {
    }

    public void Seal() => Seal(Stopwatch.GetTimestamp());

    /// <summary>Seals at a given time (when the VMM paused the guest and fetched its last bitmap).</summary>
    public void Seal(long sealedAt)
    {
        if (sealedAt < TrackingStartedAt || sealedAt == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(sealedAt), sealedAt, $"seal time must be after the tracking start {TrackingStartedAt}");
        }
        if (Interlocked.CompareExchange(ref _sealedAt, sealedAt, 0) != 0)
        {
            throw new InvalidOperationException("the dirty log is already sealed");
        }
    }

    private void ThrowIfSealed()
    {
        if (Volatile.Read(ref _sealedAt) != 0)
        {
            throw new InvalidOperationException("the dirty log is sealed: frames written after switchover cannot be added");
        }
    }
}
