using System.Numerics;

namespace GuestAssist.Host.Engine;

/// <summary>One bit per frame, set atomically; the first setter of a bit owns the frame (installs it exactly once).</summary>
public sealed class ConcurrentFrameBitmap
{
    private readonly ulong[] _words;
    private long _count;

    public ConcurrentFrameBitmap(ulong frames)
    {
        Frames = frames;
        _words = new ulong[(frames + 63) / 64];
    }

    public ulong Frames { get; }

    public long Count => Interlocked.Read(ref _count);

    public bool IsSet(ulong frame) => frame < Frames && (Volatile.Read(ref _words[frame / 64]) & Bit(frame)) != 0;

    /// <summary>Sets the bit; true if this call set it (it was clear).</summary>
    public bool TrySet(ulong frame)
    {
        if (frame >= Frames)
        {
            return false;
        }
        var bit = Bit(frame);
        var before = Interlocked.Or(ref _words[frame / 64], bit);
        if ((before & bit) != 0)
        {
            return false;
        }
        Interlocked.Increment(ref _count);
        return true;
    }

    /// <summary>A copy of the words (frame i = bit i%64 of word i/64), as sent in a resume hello.</summary>
    public ulong[] Snapshot()
    {
        var copy = new ulong[_words.Length];
        for (var i = 0; i < copy.Length; i++)
        {
            copy[i] = Volatile.Read(ref _words[i]);
        }
        return copy;
    }

    /// <summary>Bits set in a copy; checks a snapshot without locking.</summary>
    public static long PopCount(ReadOnlySpan<ulong> words)
    {
        long n = 0;
        foreach (var w in words)
        {
            n += BitOperations.PopCount(w);
        }
        return n;
    }

    private static ulong Bit(ulong frame) => 1UL << (int)(frame % 64);
}
