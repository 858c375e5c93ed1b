using System.Numerics;

namespace GuestAssist.Guest.Heat;

/// <summary>
/// The PFN bitmaps a monitor fills: "now" (the window just sampled) and "recently" (any of the
/// <see cref="Depth"/> earlier windows). Allocated once per monitor and reused by every sample.
/// </summary>
internal sealed class HeatHistory
{
    public const int Depth = 3;

    private readonly ulong[][] _history = new ulong[Depth][];
    private int _next;

    public HeatHistory(ulong frames)
    {
        var words = (int)((frames + 63) / 64);
        Now = new ulong[words];
        Recent = new ulong[words];
        for (var i = 0; i < Depth; i++)
        {
            _history[i] = new ulong[words];
        }
    }

    public ulong[] Now { get; }

    public ulong[] Recent { get; }

    public ulong Frames => (ulong)Now.Length * 64;

    /// <summary>Moves the last window into history and clears "now" for the next one.</summary>
    public void BeginWindow()
    {
        Now.CopyTo(_history[_next], 0);
        _next = (_next + 1) % Depth;
        Array.Clear(Now);
    }

    /// <summary>Recomputes "recently" as the union of the kept earlier windows.</summary>
    public void EndWindow()
    {
        Array.Clear(Recent);
        foreach (var earlier in _history)
        {
            var target = Recent.AsSpan();
            var source = earlier.AsSpan();
            var i = 0;
            for (; i + Vector<ulong>.Count <= target.Length; i += Vector<ulong>.Count)
            {
                (new Vector<ulong>(target[i..]) | new Vector<ulong>(source[i..])).CopyTo(target[i..]);
            }
            for (; i < target.Length; i++)
            {
                target[i] |= source[i];
            }
        }
    }

    public void Set(ulong pfn)
    {
        var word = pfn >> 6;
        if (word < (ulong)Now.Length)
        {
            Now[word] |= 1UL << (int)(pfn & 63);
        }
    }

    /// <summary>Sets frames [first, end).</summary>
    public void SetRange(ulong first, ulong end)
    {
        end = Math.Min(end, Frames);
        var pfn = first;
        while (pfn < end && (pfn & 63) != 0)
        {
            Set(pfn++);
        }
        while (pfn + 64 <= end)
        {
            Now[pfn >> 6] = ulong.MaxValue;
            pfn += 64;
        }
        while (pfn < end)
        {
            Set(pfn++);
        }
    }
}
