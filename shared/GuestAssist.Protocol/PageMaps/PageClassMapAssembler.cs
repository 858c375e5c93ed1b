using GuestAssist.Protocol.Framing;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Protocol.PageMaps;

/// <summary>
/// Rebuilds a <see cref="PageClassMap"/> from memory-map chunks as they arrive, validating each one:
/// consecutive indices, one epoch / page size / total, contiguous GFNs, heat and owner entries one per
/// run, owner references in range, nothing after the last chunk, every frame covered. Any violation is a
/// <see cref="ProtocolException"/>.
/// </summary>
internal sealed class PageClassMapAssembler
{
    private ClassRun[] _runs;
    private int _runCount;
    private readonly List<byte> _heat = [];
    private readonly List<uint> _owner = [];
    private readonly List<FrameOwner> _owners = [];
    private MapEpoch? _epoch;
    private uint _pageSize;
    private ulong _totalFrames;
    private ulong _nextGfn;
    private uint _nextIndex;
    private bool? _hasHeat;
    private bool? _hasOwners;
    private ProtocolException? _fault;

    /// <param name="expectedRuns">Capacity to reserve, e.g. from <see cref="PageClassMapCodec.CountRunsUpperBound"/>.</param>
    public PageClassMapAssembler(int expectedRuns = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(expectedRuns);
        _runs = expectedRuns == 0 ? [] : new ClassRun[expectedRuns];
    }

    public bool IsComplete { get; private set; }

    public int ChunkCount => (int)_nextIndex;

    /// <summary>Adds the next chunk. After a <see cref="ProtocolException"/> the assembler is faulted and refuses more.</summary>
    public void Add(MemoryMapChunk chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        if (_fault is not null)
        {
            throw Inconsistent($"an earlier chunk was rejected: {_fault.Message}");
        }
        try
        {
            AddChecked(chunk);
        }
        catch (ProtocolException ex)
        {
            _fault = ex;
            throw;
        }
    }

    private void AddChecked(MemoryMapChunk chunk)
    {
        var index = _nextIndex;
        if (IsComplete)
        {
            throw Inconsistent($"chunk {chunk.ChunkIndex} arrived after the last chunk");
        }
        if (chunk.ChunkIndex != index)
        {
            throw Inconsistent($"expected chunk {index}, got chunk {chunk.ChunkIndex}");
        }
        if (chunk.Epoch is null)
        {
            throw Inconsistent($"chunk {index} has no epoch");
        }
        if (_epoch is null)
        {
            if (chunk.PageSize == 0 || (chunk.PageSize & (chunk.PageSize - 1)) != 0)
            {
                throw Inconsistent($"page size {chunk.PageSize} is not a power of two");
            }
            if (chunk.TotalFrames > PageClassMapCodec.MaxTotalFrames)
            {
                throw Inconsistent($"total of {chunk.TotalFrames} frames exceeds the limit of {PageClassMapCodec.MaxTotalFrames}");
            }
            _epoch = chunk.Epoch.Clone();
            _pageSize = chunk.PageSize;
            _totalFrames = chunk.TotalFrames;
        }
        else if (!_epoch.Equals(chunk.Epoch) || chunk.PageSize != _pageSize || chunk.TotalFrames != _totalFrames)
        {
            throw Inconsistent(
                $"chunk {index} belongs to another map (epoch {chunk.Epoch.Sequence}/{chunk.Epoch.GuestMonotonicNs}, page size {chunk.PageSize}, "
                + $"{chunk.TotalFrames} frames; expected epoch {_epoch.Sequence}/{_epoch.GuestMonotonicNs}, page size {_pageSize}, {_totalFrames} frames)");
        }
        if (chunk.FirstGfn != _nextGfn)
        {
            throw Inconsistent($"chunk {index} starts at GFN {chunk.FirstGfn}; the previous chunk ended at {_nextGfn}");
        }
        var encoded = chunk.EncodedRuns.Span;
        var count = PageClassMapCodec.Validate(encoded, chunk.FirstGfn, _totalFrames - _nextGfn, out _);
        EnsureRunCapacity(_runCount + count);
        var runs = _runs.AsSpan(_runCount, count);
        PageClassMapCodec.DecodeValidated(encoded, chunk.FirstGfn, runs);
        for (var i = 0; i < runs.Length; i++)
        {
            if (runs[i].Class == PageClass.Unspecified)
            {
                throw Inconsistent($"chunk {index} run {i} at GFN {runs[i].StartGfn} has no class");
            }
            if ((uint)runs[i].Class > (uint)PageClass.Unproven)
            {
                throw Inconsistent($"chunk {index} run {i} at GFN {runs[i].StartGfn} has class {(int)runs[i].Class}, which this side does not know");
            }
        }
        CheckPerRun(ref _hasHeat, chunk.RunHeat.Length, runs.Length, index, "heat");
        CheckPerRun(ref _hasOwners, chunk.RunOwner.Count, runs.Length, index, "owner");
        if (_hasHeat == true)
        {
            _heat.EnsureCapacity(_runs.Length);
            _heat.AddRange(chunk.RunHeat.Span);
        }
        if (_hasOwners == true)
        {
            _owner.EnsureCapacity(_runs.Length);
            _owner.AddRange(chunk.RunOwner);
        }
        _owners.AddRange(chunk.Owners);
        _runCount += count;
        _nextGfn = count == 0 ? _nextGfn : runs[^1].EndGfn;
        _nextIndex++;
        if (chunk.Last)
        {
            if (_nextGfn != _totalFrames)
            {
                throw Inconsistent($"the last chunk ({index}) ends at GFN {_nextGfn}, but the map covers {_totalFrames} frames");
            }
            IsComplete = true;
        }
    }

    public PageClassMap Build()
    {
        if (_fault is not null)
        {
            throw Inconsistent($"a chunk was rejected: {_fault.Message}");
        }
        if (!IsComplete)
        {
            throw Inconsistent(_nextIndex == 0
                ? "no chunks"
                : $"the map is incomplete: {_nextIndex} chunks cover {_nextGfn} of {_totalFrames} frames and none is flagged last");
        }
        for (var i = 0; i < _owner.Count; i++)
        {
            if (_owner[i] > (uint)_owners.Count)
            {
                throw Inconsistent($"run {i} refers to owner {_owner[i]}, but only {_owners.Count} owners were sent");
            }
        }
        if (_runs.Length != _runCount)
        {
            Array.Resize(ref _runs, _runCount);
        }
        return new PageClassMap(
            _epoch!,
            _pageSize,
            _runs,
            _hasHeat == true ? [.. _heat] : null,
            _hasOwners == true ? [.. _owner] : null,
            [.. _owners]);
    }

    private void EnsureRunCapacity(int needed)
    {
        if (needed > _runs.Length)
        {
            Array.Resize(ref _runs, (int)Math.Clamp(2L * _runs.Length, needed, Array.MaxLength));
        }
    }

    /// <summary>Per-run arrays are all-or-nothing across chunks; chunks without runs say nothing either way.</summary>
    private static void CheckPerRun(ref bool? present, int entries, int runs, uint index, string what)
    {
        if (runs == 0)
        {
            if (entries != 0)
            {
                throw Inconsistent($"chunk {index} has {entries} {what} entries but no runs");
            }
            return;
        }
        var has = entries != 0;
        if (has && entries != runs)
        {
            throw Inconsistent($"chunk {index} has {entries} {what} entries for {runs} runs");
        }
        if (present is null)
        {
            present = has;
        }
        else if (present != has)
        {
            throw Inconsistent($"chunk {index} {(has ? "has" : "lacks")} {what} entries, unlike the chunks before it");
        }
    }

    private static ProtocolException Inconsistent(string message) =>
        new(ErrorCode.InvalidArgument, $"inconsistent memory map: {message}");
}
