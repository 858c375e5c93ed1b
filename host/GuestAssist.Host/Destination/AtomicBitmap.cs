namespace GuestAssist.Host.Destination;

/// <summary>A fixed-size bitmap whose bits are set atomically; TrySet tells exactly one caller it won.</summary>
internal sealed class AtomicBitmap
{
    private readonly ulong[] _words;
    private long _count;

    public AtomicBitmap(ulong length)
    {
        Length = length;
        _words = new ulong[(length + 63) / 64];
    }

    public ulong Length { get; }

    /// <summary>Bits set so far.</summary>
    public long Count => Volatile.Read(ref _count);

    public bool IsSet(ulong index)
    {
        CheckIndex(index);
        return (Volatile.Read(ref _words[index >> 6]) & (1UL << (int)(index & 63))) != 0;
    }

    /// <summary>Sets the bit; true only for the caller that changed it from 0 to 1.</summary>
    public bool TrySet(ulong index)
    {
        CheckIndex(index);
        var mask = 1UL << (int)(index & 63);
        var before = Interlocked.Or(ref _words[index >> 6], mask);
        if ((before & mask) != 0)
        {
            return false;
        }
        Interlocked.Increment(ref _count);
        return true;
    }

    /// <summary>Sets [first, first+count); returns how many bits this call changed.</summary>
    public ulong SetRange(ulong first, ulong count)
    {
        ulong changed = 0;
        for (var i = first; i < first + count; i++)
        {
            if (TrySet(i))
            {
                changed++;
            }
        }
        return changed;
    }

    /// <summary>A snapshot of the words (bit i of word w = index w*64+i), e.g. for resuming a transfer.</summary>
    public ulong[] Snapshot()
    {
        var copy = new ulong[_words.Length];
        for (var i = 0; i < copy.Length; i++)
        {
            copy[i] = Volatile.Read(ref _words[i]);
        }
        return copy;
    }

    private void CheckIndex(ulong index)
    {
        if (index >= Length)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"bit {index} is outside a {Length}-bit map");
        }
    }
}
