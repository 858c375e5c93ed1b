namespace GuestAssist.GuestRig.Tests.Analysis;

/// <summary>
/// Ground truth read from the guest's RAM file: for each (tag, index) the GFNs of the frames holding a
/// copy of its header. Pages the kernel keeps at an offset (socket page frags, the BPF array after its
/// header) count in the frame that holds their header.
/// </summary>
public sealed class PatternCopies
{
    private readonly Dictionary<ulong, List<ulong>> _copies = [];

    public long HeadersSeen { get; private set; }

    public void Add(uint tag, uint index, ulong gfn)
    {
        HeadersSeen++;
        var key = PatternPage.Key(tag, index);
        if (!_copies.TryGetValue(key, out var gfns))
        {
            _copies[key] = gfns = new List<ulong>(1);
        }
        if (gfns.Count == 0 || gfns[^1] != gfn)
        {
            gfns.Add(gfn);
        }
    }

    public IReadOnlyList<ulong> GfnsOf(uint tag, uint index) => _copies.TryGetValue(PatternPage.Key(tag, index), out var gfns) ? gfns : [];
}
