using System.Numerics;

namespace GuestAssist.Host.Planning;

/// <summary>
/// One bit per guest frame (bit <c>gfn % 64</c> of word <c>gfn / 64</c>, the layout KVM and the page-idle
/// bitmap use). Not thread-safe; owners lock around it.
/// </summary>
internal sealed class FrameBitmap
{
    /// <summary>Returned by <see cref="FindPreviousSet"/> when no bit is set in the range.</summary>
    public const ulong NotFound = ulong.MaxValue;

    /// <summary>Largest frame count an array of 64-bit words can hold (2^31 - 1 words).</summary>
    public const ulong MaxLength = (ulong)int.MaxValue * 64;

    private readonly ulong[] _words;

    public FrameBitmap(ulong length)
    {
        if (length > MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, $"at most {MaxLength} frames");
        }
        Length = length;
        _words = new ulong[(length + 63) / 64];
    }

    public ulong Length { get; }

    /// <summary>The raw words; bits at or beyond <see cref="Length"/> stay zero.</summary>
    public Span<ulong> Words => _words;

    public bool IsSet(ulong index) => index < Length && (_words[index >> 6] & (1UL << (int)(index & 63))) != 0;

    public void Set(ulong index)
    {
        CheckIndex(index);
        _words[index >> 6] |= 1UL << (int)(index & 63);
    }

    public void Clear(ulong index)
    {
        CheckIndex(index);
        _words[index >> 6] &= ~(1UL << (int)(index & 63));
    }

    /// <summary>Clears the bit; true when it was set.</summary>
    public bool TryClear(ulong index)
    {
        if (index >= Length)
        {
            return false;
        }
        ref var word = ref _words[index >> 6];
        var mask = 1UL << (int)(index & 63);
        if ((word & mask) == 0)
        {
            return false;
        }
        word &= ~mask;
        return true;
    }

    /// <summary>Sets bits [start, end).</summary>
    public void SetRange(ulong start, ulong end) => ApplyRange(start, end, set: true);

    /// <summary>Clears bits [start, end).</summary>
    public void ClearRange(ulong start, ulong end) => ApplyRange(start, end, set: false);

    public void ClearAll() => Array.Clear(_words);

    /// <summary>Clears every bit that is set in <paramref name="other"/> (words beyond either end are ignored).</summary>
    public void AndNot(ReadOnlySpan<ulong> other)
    {
        var n = Math.Min(other.Length, _words.Length);
        for (var i = 0; i < n; i++)
        {
            _words[i] &= ~other[i];
        }
    }

    /// <summary>Keeps only bits that are also set in <paramref name="other"/> (missing words count as zero).</summary>
    public void And(ReadOnlySpan<ulong> other)
    {
        var n = Math.Min(other.Length, _words.Length);
        for (var i = 0; i < n; i++)
        {
            _words[i] &= other[i];
        }
        Array.Clear(_words, n, _words.Length - n);
    }

    /// <summary>Copies the bits of another bitmap of the same length.</summary>
    public void CopyFrom(FrameBitmap other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Length != Length)
        {
            throw new ArgumentException($"bitmap lengths differ: {other.Length} vs {Length}", nameof(other));
        }
        other._words.CopyTo(_words, 0);
    }

    /// <summary>Number of set bits in [start, end).</summary>
    public ulong CountSet(ulong start, ulong end)
    {
        end = Math.Min(end, Length);
        if (start >= end)
        {
            return 0;
        }
        var first = (int)(start >> 6);
        var last = (int)((end - 1) >> 6);
        var headMask = ~0UL << (int)(start & 63);
        var tailMask = ~0UL >> (int)(63 - ((end - 1) & 63));
        if (first == last)
        {
            return (ulong)BitOperations.PopCount(_words[first] & headMask & tailMask);
        }
        ulong count = (ulong)BitOperations.PopCount(_words[first] & headMask);
        for (var i = first + 1; i < last; i++)
        {
            count += (ulong)BitOperations.PopCount(_words[i]);
        }
        return count + (ulong)BitOperations.PopCount(_words[last] & tailMask);
    }

    public ulong CountSet() => CountSet(0, Length);

    /// <summary>First set bit in [from, end), or <paramref name="end"/> when there is none.</summary>
    public ulong FindNextSet(ulong from, ulong end)
    {
        end = Math.Min(end, Length);
        while (from < end)
        {
            var w = (int)(from >> 6);
            var word = _words[w] & (~0UL << (int)(from & 63));
            if (word != 0)
            {
                var bit = ((ulong)w << 6) | (uint)BitOperations.TrailingZeroCount(word);
                return bit < end ? bit : end;
            }
            from = (ulong)(w + 1) << 6;
        }
        return end;
    }

    /// <summary>Last set bit in [lowerBound, from] (scanning downward), or <see cref="NotFound"/>.</summary>
    public ulong FindPreviousSet(ulong from, ulong lowerBound)
    {
        if (Length == 0 || from < lowerBound)
        {
            return NotFound;
        }
        from = Math.Min(from, Length - 1);
        while (true)
        {
            var w = (int)(from >> 6);
            var word = _words[w] & (~0UL >> (int)(63 - (from & 63)));
            if (word != 0)
            {
                var bit = ((ulong)w << 6) | (uint)(63 - BitOperations.LeadingZeroCount(word));
                return bit >= lowerBound ? bit : NotFound;
            }
            if (w == 0 || ((ulong)w << 6) <= lowerBound)
            {
                return NotFound;
            }
            from = ((ulong)w << 6) - 1;
        }
    }

    private void ApplyRange(ulong start, ulong end, bool set)
    {
        if (start > end || end > Length)
        {
            throw new ArgumentOutOfRangeException(nameof(end), $"range [{start}, {end}) is outside 0..{Length}");
        }
        while (start < end)
        {
            var w = (int)(start >> 6);
            var bitsHere = Math.Min(64 - (start & 63), end - start);
            var mask = (bitsHere == 64 ? ~0UL : ((1UL << (int)bitsHere) - 1)) << (int)(start & 63);
            if (set)
            {
                _words[w] |= mask;
            }
            else
            {
                _words[w] &= ~mask;
            }
            start += bitsHere;
        }
    }

    private void CheckIndex(ulong index)
    {
        if (index >= Length)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"bitmap holds frames 0..{Length}");
        }
    }
}
