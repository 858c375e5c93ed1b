namespace GuestAssist.GuestRig.Tests.Analysis;

/// <summary>Ground truth read from the guest's RAM file: every copy of each (tag, index) pattern page.</summary>
public sealed class PatternCopies
{
    private readonly Dictionary<ulong, List<PatternCopy>> _copies = [];

    public IEnumerable<PatternCopy> All => _copies.Values.SelectMany(copies => copies);

    public PatternCopy Add(uint tag, uint index, ulong headerGfn, int offset)
    {
        var key = PatternPage.Key(tag, index);
        if (!_copies.TryGetValue(key, out var copies))
        {
            _copies[key] = copies = new List<PatternCopy>(1);
        }
        var copy = new PatternCopy(headerGfn, offset);
        copies.Add(copy);
        return copy;
    }

    public IReadOnlyList<PatternCopy> CopiesOf(uint tag, uint index) => _copies.TryGetValue(PatternPage.Key(tag, index), out var copies) ? copies : [];
}
