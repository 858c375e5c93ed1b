namespace GuestAssist.Guest.Scanning;

/// <summary>
/// Whether the frames of blank blocks (whole 512-frame blocks reading flags 0, count 0) are provably free.
/// Some kernels initialise struct pages lazily (this development machine's `deferred_init=lazy`): such RAM
/// reads blank, MemFree counts it and nr_free_pages does not, so U = MemFree − nr_free_pages is the number
/// of free frames whose struct pages are not initialised. Every one of them lies in a blank block (they
/// are initialised a memory section at a time), so the blank set contains them all; when the blank set is
/// exactly as large as U it is exactly that set, and every blank frame is free. If it is larger, some blank
/// frames are something else — memblock-reserved memory whose struct pages are not initialised either
/// (the memmap itself), pipe buffers, vmalloc — and since they cannot be told apart, none is called free.
/// On a stock kernel MemFree equals nr_free_pages, U is 0, and the proof only ever holds with no blank frames.
/// U must read the same before and after the scan (no lazy growth in between).
/// </summary>
public readonly record struct LazyInitProof(ulong BlankFrames, ulong UninitialisedBefore, ulong UninitialisedAfter, bool Holds)
{
    /// <summary>Blank frames the kernel's figure does not account for (0 when the proof holds).</summary>
    public ulong Unaccounted => BlankFrames > UninitialisedAfter ? BlankFrames - UninitialisedAfter : 0;

    public static LazyInitProof Evaluate(ulong blankFrames, ulong? uninitialisedBefore, ulong? uninitialisedAfter)
    {
        var before = uninitialisedBefore ?? 0;
        var after = uninitialisedAfter ?? 0;
        var holds = blankFrames > 0 && uninitialisedBefore.HasValue && uninitialisedAfter.HasValue
            && before == after && blankFrames == after;
        return new LazyInitProof(blankFrames, before, after, holds);
    }

    /// <summary>One line for tables and logs.</summary>
    public string Describe()
    {
        if (BlankFrames == 0)
        {
            return "no blank blocks";
        }
        if (Holds)
        {
            return $"{BlankFrames} blank-block frames = MemFree - nr_free_pages: proven free (lazily initialised RAM)";
        }
        if (UninitialisedBefore != UninitialisedAfter)
        {
            return $"{BlankFrames} blank-block frames unproven: MemFree - nr_free_pages moved during the scan ({UninitialisedBefore} -> {UninitialisedAfter})";
        }
        return $"{BlankFrames} blank-block frames unproven: MemFree - nr_free_pages = {UninitialisedAfter}, {Unaccounted} blank frames are something else";
    }
}
