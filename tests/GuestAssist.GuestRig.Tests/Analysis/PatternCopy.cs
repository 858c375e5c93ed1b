namespace GuestAssist.GuestRig.Tests.Analysis;

/// <summary>
/// One copy of a pattern page in guest RAM: the frame holding its header at <see cref="Offset"/> and,
/// when Offset &gt; 0 (socket page frags, the BPF array's values after its header), the frames whose
/// first bytes continue it (<see cref="TailGfns"/>, found by content; physically anywhere).
/// </summary>
public sealed class PatternCopy(ulong headerGfn, int offset)
{
    public ulong HeaderGfn { get; } = headerGfn;

    public int Offset { get; } = offset;

    public List<ulong> TailGfns { get; } = [];

    /// <summary>The last <see cref="Offset"/> bytes of the page live in another frame; shorter than a word they are not looked for.</summary>
    public bool NeedsTail => Offset >= 8;

    /// <summary>An offset copy whose continuation was not found: the rig cannot judge it.</summary>
    public bool IsIncomplete => NeedsTail && TailGfns.Count == 0;
}
