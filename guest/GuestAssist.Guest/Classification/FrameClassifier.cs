using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Guest.Classification;

/// <summary>
/// Turns kpageflags + kpagecount words into <see cref="FrameCode"/> bytes, eight (AVX-512) or four (AVX2) frames
/// per step. Rules in priority order (DESIGN.md "Page classes"):
/// NOPAGE/HWPOISON/OFFLINE → unbacked; BUDDY → free; compound tail → its head's class; LRU → hot / active /
/// cache (clean, unmapped, not anon/swap-backed/unevictable/writeback) / inactive; mapped hugetlb → active;
/// flags 0 and map count 0 → unproven; everything else → kernel. A flagless, unmapped frame is not free:
/// pipe buffers, vmalloc and socket page frags read exactly like that, and so do per-CPU free lists, so it is
/// sent (last); only BUDDY proves a frame free here.
/// </summary>
public static class FrameClassifier
{
    private static readonly byte KernelCode = FrameCode.Of(PageClass.Kernel);
    private static readonly byte FreeCode = FrameCode.Of(PageClass.Free);
    private static readonly byte UnbackedCode = FrameCode.Of(PageClass.Unbacked);
    private static readonly byte UnprovenCode = FrameCode.Of(PageClass.Unproven);

    /// <summary>
    /// Classifies frames firstPfn .. firstPfn + flags.Length. <paramref name="accessedNow"/> and
    /// <paramref name="accessedRecently"/> are idle-tracking bitmaps indexed by absolute PFN (empty: use LRU flags).
    /// <paramref name="previousCode"/> is the code of the frame before firstPfn (for compound tails).
    /// </summary>
    public static void Classify(
        ReadOnlySpan<ulong> flags,
        ReadOnlySpan<ulong> counts,
        ulong firstPfn,
        ReadOnlySpan<ulong> accessedNow,
        ReadOnlySpan<ulong> accessedRecently,
        byte previousCode,
        Span<byte> codes,
        ref FrameTally tally)
    {
        var n = flags.Length;
        if (counts.Length < n || codes.Length < n)
        {
            throw new ArgumentException($"counts ({counts.Length}) and codes ({codes.Length}) must hold {n} frames");
        }
        var useIdle = !accessedNow.IsEmpty;
        ulong tails = 0;
        var i = 0;
        if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported)
        {
            i = Classify512(flags, counts, firstPfn, accessedNow, accessedRecently, useIdle, codes, ref tally, ref tails);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            i = Classify256(flags, counts, firstPfn, accessedNow, accessedRecently, useIdle, codes, ref tally, ref tails);
        }
        for (; i < n; i++)
        {
            var f = flags[i];
            var pfn = firstPfn + (ulong)i;
            codes[i] = ClassifyOne(f, counts[i], useIdle, useIdle && TestBit(accessedNow, pfn), useIdle && TestBit(accessedRecently, pfn));
            TallyOne(f, ref tally);
            tails |= f;
        }
        if ((tails & KPageFlag.CompoundTail) != 0)
        {
            InheritHeadClass(flags, previousCode, codes, ref tally);
        }
    }

    /// <summary>The reference rule for one frame (the vector paths must agree with it).</summary>
    public static byte ClassifyOne(ulong flags, ulong count, bool useIdle, bool accessedNow, bool accessedRecently)
    {
        if ((flags & KPageFlag.UnbackedMask) != 0)
        {
            return UnbackedCode;
        }
        if ((flags & KPageFlag.Buddy) != 0)
        {
            return FreeCode;
        }
        if ((flags & KPageFlag.Lru) != 0)
        {
            var active = (flags & KPageFlag.Active) != 0;
            var hot = useIdle ? accessedNow : active && (flags & KPageFlag.Referenced) != 0;
            var heat = hot ? HeatLevel.Now : (useIdle ? accessedRecently : active) ? HeatLevel.Recent : HeatLevel.Cold;
            var pageClass = hot ? PageClass.Hot
                : active ? PageClass.Active
                : (flags & KPageFlag.NotCleanCacheMask) != 0 ? PageClass.Inactive
                : PageClass.Cache;
            return FrameCode.Of(pageClass, heat);
        }
        if ((flags & KPageFlag.Huge) != 0 && count != 0)
        {
            return FrameCode.Of(PageClass.Active);
        }
        return flags == 0 && count == 0 ? UnprovenCode : KernelCode;
    }

    /// <summary>Bit <paramref name="pfn"/> of a PFN-indexed bitmap; bits past its end read 0.</summary>
    public static bool TestBit(ReadOnlySpan<ulong> bitmap, ulong pfn)
    {
        var word = pfn >> 6;
        return word < (ulong)bitmap.Length && ((bitmap[(int)word] >> (int)(pfn & 63)) & 1) != 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TallyOne(ulong f, ref FrameTally tally)
    {
        if ((f & KPageFlag.Buddy) != 0)
        {
            tally.Buddy++;
        }
        if ((f & KPageFlag.Lru) != 0)
        {
            if ((f & KPageFlag.Unevictable) != 0)
            {
                tally.Unevictable++;
            }
            else if ((f & KPageFlag.Active) != 0)
            {
                tally.LruActive++;
            }
            else
            {
                tally.LruInactive++;
            }
        }
    }

    // Tails of slab, page-table and other kernel compound pages carry little of their own; the head says
    // what the whole folio is. Unbacked tails (poisoned subpages) stay unbacked. A THP's tails count on the
    // LRU like its head (meminfo counts pages, not folios) when the kernel does not show LRU on tails itself.
    private static void InheritHeadClass(ReadOnlySpan<ulong> flags, byte previousCode, Span<byte> codes, ref FrameTally tally)
    {
        var head = previousCode;
        ulong headFlags = 0;
        for (var i = 0; i < flags.Length; i++)
        {
            var f = flags[i];
            if ((f & KPageFlag.CompoundTail) == 0)
            {
                head = codes[i];
                headFlags = f;
            }
            else if ((f & KPageFlag.UnbackedMask) == 0)
            {
                codes[i] = head;
                if ((f & KPageFlag.Lru) == 0 && (headFlags & KPageFlag.Lru) != 0)
                {
                    TallyOne(headFlags & ~KPageFlag.Buddy, ref tally);
                }
            }
        }
    }

    /// <summary>Eight bits of a PFN-indexed bitmap starting at <paramref name="pfn"/> (may straddle two words).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong ExtractBits(ReadOnlySpan<ulong> bitmap, ulong pfn, int count)
    {
        var word = (int)(pfn >> 6);
        var shift = (int)(pfn & 63);
        ulong bits = word < bitmap.Length ? bitmap[word] >> shift : 0;
        if (shift + count > 64 && word + 1 < bitmap.Length)
        {
            bits |= bitmap[word + 1] << (64 - shift);
        }
        return bits & ((1UL << count) - 1);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Classify512(
        ReadOnlySpan<ulong> flags, ReadOnlySpan<ulong> counts, ulong firstPfn,
        ReadOnlySpan<ulong> accessedNow, ReadOnlySpan<ulong> accessedRecently, bool useIdle,
        Span<byte> codes, ref FrameTally tally, ref ulong tails)
    {
        var zero = Vector512<ulong>.Zero;
        var unbackedMask = Vector512.Create(KPageFlag.UnbackedMask);
        var buddyMask = Vector512.Create(KPageFlag.Buddy);
        var lruMask = Vector512.Create(KPageFlag.Lru);
        var activeMask = Vector512.Create(KPageFlag.Active);
        var hotMask = Vector512.Create(KPageFlag.Active | KPageFlag.Referenced);
        var notCleanMask = Vector512.Create(KPageFlag.NotCleanCacheMask);
        var hugeMask = Vector512.Create(KPageFlag.Huge);
        var unevictableMask = Vector512.Create(KPageFlag.Unevictable);
        var laneBits = Vector512.Create(1UL, 2, 4, 8, 16, 32, 64, 128);
        var kernel = Vector512.Create((ulong)KernelCode);
        var unproven = Vector512.Create((ulong)UnprovenCode);
        var free = Vector512.Create((ulong)FreeCode);
        var unbacked = Vector512.Create((ulong)UnbackedCode);
        var hotCode = Vector512.Create((ulong)FrameCode.Of(PageClass.Hot, HeatLevel.Now));
        var activeCode = Vector512.Create((ulong)FrameCode.Of(PageClass.Active));
        var inactiveCode = Vector512.Create((ulong)FrameCode.Of(PageClass.Inactive));
        var cacheCode = Vector512.Create((ulong)FrameCode.Of(PageClass.Cache));
        var recentBits = Vector512.Create((ulong)HeatLevel.Recent << FrameCode.HeatShift);
        Vector512<ulong> buddyAcc = zero, activeAcc = zero, inactiveAcc = zero, unevictableAcc = zero, tailAcc = zero;

        ref var flagsRef = ref MemoryMarshal.GetReference(flags);
        ref var countsRef = ref MemoryMarshal.GetReference(counts);
        ref var codesRef = ref MemoryMarshal.GetReference(codes);
        var i = 0;
        for (; i + 8 <= flags.Length; i += 8)
        {
            var f = Vector512.LoadUnsafe(ref flagsRef, (nuint)i);
            var c = Vector512.LoadUnsafe(ref countsRef, (nuint)i);
            var isUnbacked = ~Vector512.Equals(f & unbackedMask, zero);
            var isBuddy = ~Vector512.Equals(f & buddyMask, zero);
            var isLru = ~Vector512.Equals(f & lruMask, zero);
            var isActive = ~Vector512.Equals(f & activeMask, zero);
            var isUnevictable = ~Vector512.Equals(f & unevictableMask, zero);
            Vector512<ulong> isHot, isRecent;
            if (useIdle)
            {
                var pfn = firstPfn + (ulong)i;
                isHot = ~Vector512.Equals(Vector512.Create(ExtractBits(accessedNow, pfn, 8)) & laneBits, zero);
                isRecent = ~Vector512.Equals(Vector512.Create(ExtractBits(accessedRecently, pfn, 8)) & laneBits, zero);
            }
            else
            {
                isHot = Vector512.Equals(f & hotMask, hotMask);
                isRecent = isActive;
            }
            var notClean = ~Vector512.Equals(f & notCleanMask, zero);
            var hugeMapped = ~Vector512.Equals(f & hugeMask, zero) & ~Vector512.Equals(c, zero);
            var flagless = Vector512.Equals(f, zero) & Vector512.Equals(c, zero);

            var lruCode = Vector512.ConditionalSelect(isHot, hotCode,
                Vector512.ConditionalSelect(isActive, activeCode,
                    Vector512.ConditionalSelect(notClean, inactiveCode, cacheCode)) | (isRecent & recentBits));
            var code = Vector512.ConditionalSelect(hugeMapped, activeCode, Vector512.ConditionalSelect(flagless, unproven, kernel));
            code = Vector512.ConditionalSelect(isLru, lruCode, code);
            code = Vector512.ConditionalSelect(isBuddy, free, code);
            code = Vector512.ConditionalSelect(isUnbacked, unbacked, code);

            buddyAcc -= isBuddy;
            unevictableAcc -= isLru & isUnevictable;
            activeAcc -= isLru & isActive & ~isUnevictable;
            inactiveAcc -= isLru & ~isActive & ~isUnevictable;
            tailAcc |= f;

            var bytes = Avx512F.ConvertToVector128Byte(code);
            // SAFETY: i + 8 <= flags.Length <= codes.Length, so the 8-byte store stays inside codes.
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref codesRef, i), bytes.AsUInt64().ToScalar());
        }
        tally.Buddy += Vector512.Sum(buddyAcc);
        tally.LruActive += Vector512.Sum(activeAcc);
        tally.LruInactive += Vector512.Sum(inactiveAcc);
        tally.Unevictable += Vector512.Sum(unevictableAcc);
        for (var lane = 0; lane < 8; lane++)
        {
            tails |= tailAcc.GetElement(lane);
        }
        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Classify256(
        ReadOnlySpan<ulong> flags, ReadOnlySpan<ulong> counts, ulong firstPfn,
        ReadOnlySpan<ulong> accessedNow, ReadOnlySpan<ulong> accessedRecently, bool useIdle,
        Span<byte> codes, ref FrameTally tally, ref ulong tails)
    {
        var zero = Vector256<ulong>.Zero;
        var unbackedMask = Vector256.Create(KPageFlag.UnbackedMask);
        var buddyMask = Vector256.Create(KPageFlag.Buddy);
        var lruMask = Vector256.Create(KPageFlag.Lru);
        var activeMask = Vector256.Create(KPageFlag.Active);
        var hotMask = Vector256.Create(KPageFlag.Active | KPageFlag.Referenced);
        var notCleanMask = Vector256.Create(KPageFlag.NotCleanCacheMask);
        var hugeMask = Vector256.Create(KPageFlag.Huge);
        var unevictableMask = Vector256.Create(KPageFlag.Unevictable);
        var laneBits = Vector256.Create(1UL, 2, 4, 8);
        var kernel = Vector256.Create((ulong)KernelCode);
        var unproven = Vector256.Create((ulong)UnprovenCode);
        var free = Vector256.Create((ulong)FreeCode);
        var unbacked = Vector256.Create((ulong)UnbackedCode);
        var hotCode = Vector256.Create((ulong)FrameCode.Of(PageClass.Hot, HeatLevel.Now));
        var activeCode = Vector256.Create((ulong)FrameCode.Of(PageClass.Active));
        var inactiveCode = Vector256.Create((ulong)FrameCode.Of(PageClass.Inactive));
        var cacheCode = Vector256.Create((ulong)FrameCode.Of(PageClass.Cache));
        var recentBits = Vector256.Create((ulong)HeatLevel.Recent << FrameCode.HeatShift);
        Vector256<ulong> buddyAcc = zero, activeAcc = zero, inactiveAcc = zero, unevictableAcc = zero, tailAcc = zero;

        ref var flagsRef = ref MemoryMarshal.GetReference(flags);
        ref var countsRef = ref MemoryMarshal.GetReference(counts);
        var i = 0;
        for (; i + 4 <= flags.Length; i += 4)
        {
            var f = Vector256.LoadUnsafe(ref flagsRef, (nuint)i);
            var c = Vector256.LoadUnsafe(ref countsRef, (nuint)i);
            var isUnbacked = ~Vector256.Equals(f & unbackedMask, zero);
            var isBuddy = ~Vector256.Equals(f & buddyMask, zero);
            var isLru = ~Vector256.Equals(f & lruMask, zero);
            var isActive = ~Vector256.Equals(f & activeMask, zero);
            var isUnevictable = ~Vector256.Equals(f & unevictableMask, zero);
            Vector256<ulong> isHot, isRecent;
            if (useIdle)
            {
                var pfn = firstPfn + (ulong)i;
                isHot = ~Vector256.Equals(Vector256.Create(ExtractBits(accessedNow, pfn, 4)) & laneBits, zero);
                isRecent = ~Vector256.Equals(Vector256.Create(ExtractBits(accessedRecently, pfn, 4)) & laneBits, zero);
            }
            else
            {
                isHot = Vector256.Equals(f & hotMask, hotMask);
                isRecent = isActive;
            }
            var notClean = ~Vector256.Equals(f & notCleanMask, zero);
            var hugeMapped = ~Vector256.Equals(f & hugeMask, zero) & ~Vector256.Equals(c, zero);
            var flagless = Vector256.Equals(f, zero) & Vector256.Equals(c, zero);

            var lruCode = Vector256.ConditionalSelect(isHot, hotCode,
                Vector256.ConditionalSelect(isActive, activeCode,
                    Vector256.ConditionalSelect(notClean, inactiveCode, cacheCode)) | (isRecent & recentBits));
            var code = Vector256.ConditionalSelect(hugeMapped, activeCode, Vector256.ConditionalSelect(flagless, unproven, kernel));
            code = Vector256.ConditionalSelect(isLru, lruCode, code);
            code = Vector256.ConditionalSelect(isBuddy, free, code);
            code = Vector256.ConditionalSelect(isUnbacked, unbacked, code);

            buddyAcc -= isBuddy;
            unevictableAcc -= isLru & isUnevictable;
            activeAcc -= isLru & isActive & ~isUnevictable;
            inactiveAcc -= isLru & ~isActive & ~isUnevictable;
            tailAcc |= f;

            codes[i] = (byte)code.GetElement(0);
            codes[i + 1] = (byte)code.GetElement(1);
            codes[i + 2] = (byte)code.GetElement(2);
            codes[i + 3] = (byte)code.GetElement(3);
        }
        tally.Buddy += Vector256.Sum(buddyAcc);
        tally.LruActive += Vector256.Sum(activeAcc);
        tally.LruInactive += Vector256.Sum(inactiveAcc);
        tally.Unevictable += Vector256.Sum(unevictableAcc);
        for (var lane = 0; lane < 4; lane++)
        {
            tails |= tailAcc.GetElement(lane);
        }
        return i;
    }
}
