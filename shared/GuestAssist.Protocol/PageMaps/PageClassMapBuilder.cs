using GuestAssist.Protocol.V1;

namespace GuestAssist.Protocol.PageMaps;

/// <summary>Builds a <see cref="PageClassMap"/> from frames or runs appended in GFN order, merging neighbours.</summary>
internal sealed class PageClassMapBuilder : IClassRunSink
{
    private readonly List<ClassRun> _runs = [];
    private readonly List<byte>? _heat;
    private readonly List<uint>? _owner;

    public PageClassMapBuilder(bool withHeat = false, bool withOwners = false)
    {
        _heat = withHeat ? [] : null;
        _owner = withOwners ? [] : null;
    }

    public ulong NextGfn { get; private set; }

    public int RunCount => _runs.Count;

    /// <summary>Appends frames [NextGfn, NextGfn + length); merges with the previous run when all attributes match.</summary>
    public void Append(ulong length, PageClass pageClass, byte heat = 0, uint owner = 0)
    {
        if (length == 0)
        {
            return;
        }
        var last = _runs.Count - 1;
        if (last >= 0
            && _runs[last].Class == pageClass
            && (_heat is null || _heat[last] == heat)
            && (_owner is null || _owner[last] == owner))
        {
            _runs[last] = _runs[last] with { Length = _runs[last].Length + length };
        }
        else
        {
            _runs.Add(new ClassRun(NextGfn, length, pageClass));
            _heat?.Add(heat);
            _owner?.Add(owner);
        }
        NextGfn += length;
    }

    /// <summary>Appends frames up to (excluding) <paramref name="gfn"/> as <paramref name="pageClass"/>; used to fill holes.</summary>
    public void FillTo(ulong gfn, PageClass pageClass)
    {
        if (gfn > NextGfn)
        {
            Append(gfn - NextGfn, pageClass);
        }
    }

    public void Clear()
    {
        _runs.Clear();
        _heat?.Clear();
        _owner?.Clear();
        NextGfn = 0;
    }

    public PageClassMap Build(MapEpoch epoch, uint pageSize, IReadOnlyList<FrameOwner>? owners = null) =>
        new(epoch, pageSize, [.. _runs], _heat?.ToArray(), _owner?.ToArray(), owners);
}
