using System.Numerics;
using GuestAssist.Host.DirtyLog;
using GuestAssist.Host.Layout;
using GuestAssist.Protocol.PageMaps;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Host.Planning;

/// <summary>
/// Orders the post-copy transfer of a guest's frames from its class map.
/// <para>
/// Background order (<see cref="NextBatch"/>): kernel, hot, active, inactive, cache, frames the map does not
/// classify, then the free/unbacked phase; within a class by heat (hottest first), owner priority and address
/// (see <see cref="OwnerPriorityMode"/>). Only frames inside layout regions are ever emitted; holes the map
/// covers are not. A demand fault (<see cref="OnDemandFault"/>) takes its frame for the urgent channel and
/// becomes the newest of up to <see cref="TransferPlannerOptions.MaxPivots"/> pivots: following batches
/// grow outward from the pivots, newest first, a step up and a step down (each sent as one ascending run),
/// before the class order resumes; a fault that continues a walk from a live pivot grows in the walk's direction only.
/// </para>
/// <para>
/// Skipping (DESIGN.md invariant 1): a free/unbacked frame is skipped (handed to <see cref="TakeZeroFill"/>
/// for the destination to zero-fill locally) only when the dirty log started at or before the map request,
/// is sealed, and shows the frame clean. The decision is taken lazily, frame by frame, at the moment a frame
/// is handed out, never at construction: planning may start before switchover, and until the log is sealed
/// every free frame counts as possibly written. A free frame that is dirty is sent in the free phase, which
/// comes last in the background order. If the background stream reaches the free phase while the log is
/// not sealed, those frames are sent (reordering only); callers seal the log at switchover, before the stream.
/// </para>
/// <para>
/// Every frame is handed out at most once across NextBatch, urgent takes and zero-fill takes; frames marked
/// sent or received never are. Thread-safe: the urgent and background channels may call from different
/// threads. Memory: four bits per frame plus ~25 bytes per run; no per-frame objects.
/// </para>
/// </summary>
public sealed class TransferPlanner : ITransferPlan
{
    /// <summary>
    /// How far a guest's map may run past its layout: /proc/kpageflags is read up to max_pfn rounded up to a memory
    /// section (128 MiB on x86_64 SPARSEMEM), so a map covers the layout's frames up to the next 128 MiB boundary.
    /// </summary>
    public const ulong MaxMapOverhangBytes = 128UL << 20;

    /// <summary>
    /// How far a guest's map may stop short of its layout, as a fraction of the layout (1/64): the guest's max_pfn ends
    /// below the VMM's top of RAM where firmware reserves that tail in e820 (QEMU pc keeps its ACPI tables in the last
    /// 35 frames of a 1 GiB guest). Frames past the map are sent as <see cref="PageClass.Unspecified"/>, never skipped.
    /// </summary>
    public const ulong MaxMapShortfallDivisor = 64;

    private const int ClassSlots = (int)PageClass.Unproven + 1;
    private const ulong NoOwnerRank = 0xFFFF;

    private readonly Lock _gate = new();
    private readonly IDirtyLog? _dirtyLog;
    private readonly DirtyBitmap? _dirtyBitmap;
    private readonly long _mapRequestedAt;
    private readonly ulong _frames;
    private readonly FrameBitmap _backed;
    private readonly FrameBitmap _planned;
    private readonly FrameBitmap _pending;
    private readonly FrameBitmap _candidate;
    private readonly ulong[] _segmentStart;
    private readonly ulong[] _segmentEnd;
    private readonly PageClass[] _segmentClass;
    private readonly byte[] _segmentRank;
    private readonly ulong[] _byAddressStart;
    private readonly int[] _byAddressSegment;
    private readonly bool _pivotsFollowClassOrder;
    private readonly int _candidatePhase;
    private readonly ulong[] _plannedPerClass = new ulong[ClassSlots];
    private readonly ulong _holeFrames;
    private readonly ulong _alreadyReceived;
    private readonly Pivot[] _pivots;
    private readonly ulong _pivotRadius;
    private readonly int _pivotStep;
    private int _pivotCount;
    private int _segment;
    private ulong _position;
    private int _zeroSegment;
    private ulong _zeroPosition;
    private ulong _pendingCount;
    private ulong _backgroundFrames;
    private ulong _pivotFrames;
    private ulong _urgentFrames;
    private ulong _zeroFilledFrames;
    private bool _skippingEnabled;
    private ulong[]? _cleanCandidatesPerClass;

    /// <param name="map">The guest's class map: at least <see cref="GuestMemoryLayout.TotalFrames"/> less 1/<see cref="MaxMapShortfallDivisor"/> of them, at most up to the next <see cref="MaxMapOverhangBytes"/> boundary, in the layout's page size.</param>
    /// <param name="layout">Which frames exist; frames outside its regions are never emitted.</param>
    /// <param name="mapRequestedAt">Host Stopwatch ticks at which the map was requested from the guest.</param>
    /// <param name="dirtyLog">Writes since before the map request; without one nothing is skipped.</param>
    /// <param name="options">Owner priorities and pre-paging tuning.</param>
    /// <exception cref="ClassMapMismatchException">The map's frame count does not fit the layout, or its page size is not the layout's.</exception>
    /// <param name="alreadyReceived">Destination's received bitmap (bit gfn % 64 of word gfn / 64), for resume: those frames are never emitted.</param>
    public TransferPlanner(
        PageClassMap map,
        GuestMemoryLayout layout,
        long mapRequestedAt,
        IDirtyLog? dirtyLog = null,
        TransferPlannerOptions? options = null,
        ReadOnlySpan<ulong> alreadyReceived = default)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(layout);
        options ??= TransferPlannerOptions.Default;
        options.Validate();
        if (map.PageSize != 0 && map.PageSize != layout.PageSize)
        {
            throw new ClassMapMismatchException($"the class map uses {map.PageSize}-byte pages, the layout {layout.PageSize}-byte pages", map.TotalFrames, layout.TotalFrames);
        }
        var maxMapFrames = (layout.TotalFrames + (MaxMapOverhangBytes / layout.PageSize) - 1) / (MaxMapOverhangBytes / layout.PageSize) * (MaxMapOverhangBytes / layout.PageSize);
        var minMapFrames = layout.TotalFrames - layout.TotalFrames / MaxMapShortfallDivisor;
        if (map.TotalFrames < minMapFrames || map.TotalFrames > maxMapFrames)
        {
            throw new ClassMapMismatchException(
                $"the class map covers {map.TotalFrames} frames, the layout {layout.TotalFrames}: a map of this guest covers {minMapFrames} to {maxMapFrames} frames",
                map.TotalFrames,
                layout.TotalFrames);
        }
        _dirtyLog = dirtyLog;
        _dirtyBitmap = dirtyLog as DirtyBitmap;
        _mapRequestedAt = mapRequestedAt;
        _frames = layout.TotalFrames;
        _pivots = new Pivot[options.MaxPivots];
        _pivotRadius = (ulong)options.PivotRadius;
        _pivotStep = options.PivotStep;
        _pivotsFollowClassOrder = options.PrePageWithinClassOrder;

        _backed = new FrameBitmap(_frames);
        foreach (var region in layout.Regions)
        {
            _backed.SetRange(region.GuestPhysicalAddress >> layout.PageShift, region.GuestPhysicalEnd >> layout.PageShift);
        }
        _planned = new FrameBitmap(_frames);
        _planned.CopyFrom(_backed);
        _planned.AndNot(alreadyReceived);
        _pending = new FrameBitmap(_frames);
        _pending.CopyFrom(_planned);
        _pendingCount = _pending.CountSet();
        _alreadyReceived = _backed.CountSet() - _pendingCount;
        _candidate = new FrameBitmap(_frames);

        var runs = map.Runs;
        var ownerRanks = ResolveOwnerRanks(map, options.PriorityOwners);
        var keys = new List<ulong>(runs.Length + 1);
        var candidateRuns = new List<int>();
        ulong mapFramesInLayout = 0;
        for (var i = 0; i < runs.Length && runs[i].StartGfn < _frames; i++)
        {
            var run = runs[i];
            var end = Math.Min(run.EndGfn, _frames);
            mapFramesInLayout += end - run.StartGfn;
            if (IsCandidateClass(run.Class))
            {
                candidateRuns.Add(i);
                _candidate.SetRange(run.StartGfn, end);
                continue;
            }
            var heat = map.RunHeat?[i] ?? 0;
            var ownerRank = map.RunOwner is { } owners && ownerRanks.TryGetValue(owners[i], out var rank) ? rank : NoOwnerRank;
            keys.Add(OrderKey(run.Class, heat, ownerRank, options.OwnerPriorityMode) | (uint)i);
        }
        _candidate.And(_backed.Words);
        var unclassifiedFrom = Math.Min(map.TotalFrames, _frames);
        if (unclassifiedFrom < _frames)
        {
            keys.Add(OrderKey(PageClass.Unspecified, 0, NoOwnerRank, options.OwnerPriorityMode) | (uint)runs.Length);
        }
        keys.Sort();

        var segments = keys.Count + candidateRuns.Count;
        _segmentStart = new ulong[segments];
        _segmentEnd = new ulong[segments];
        _segmentClass = new PageClass[segments];
        _segmentRank = new byte[segments];
        var s = 0;
        foreach (var key in keys)
        {
            var i = (int)(uint)key;
            if (i == runs.Length)
            {
                AddSegment(s++, unclassifiedFrom, _frames, PageClass.Unspecified);
            }
            else
            {
                AddSegment(s++, runs[i].StartGfn, Math.Min(runs[i].EndGfn, _frames), runs[i].Class);
            }
        }
        _candidatePhase = s;
        foreach (var i in candidateRuns)
        {
            AddSegment(s++, runs[i].StartGfn, Math.Min(runs[i].EndGfn, _frames), runs[i].Class);
        }
        _byAddressStart = (ulong[])_segmentStart.Clone();
        _byAddressSegment = Enumerable.Range(0, segments).ToArray();
        Array.Sort(_byAddressStart, _byAddressSegment);
        _holeFrames = mapFramesInLayout - _backed.CountSet(0, unclassifiedFrom)
            + (map.TotalFrames > _frames ? map.TotalFrames - _frames : 0);
        ResetCursors();
    }

    /// <summary>Size of the frame space (the layout's highest GFN + 1, holes included).</summary>
    public ulong TotalFrames => _frames;

    /// <summary>True when every frame has been handed out (sent, taken, zero-filled, or marked).</summary>
    public bool IsComplete
    {
        get
        {
            lock (_gate)
            {
                return _pendingCount == 0;
            }
        }
    }

    /// <summary>One of the <see cref="SkippingStates"/> texts, evaluated now.</summary>
    public string SkippingState
    {
        get
        {
            lock (_gate)
            {
                return EvaluateSkipping(out _);
            }
        }
    }

    /// <summary>Demand faults pre-paged around at once (<see cref="TransferPlannerOptions.MaxPivots"/>); 0 = no pre-paging.</summary>
    public int MaxPivots => _pivots.Length;

    /// <summary>
    /// Fills <paramref name="gfns"/> with the next frames to push on the background channel; 0 when nothing
    /// is left to send (frames left for <see cref="TakeZeroFill"/> may remain).
    /// </summary>
    public int NextBatch(Span<ulong> gfns)
    {
        lock (_gate)
        {
            EvaluateSkipping(out var skipping);
            var n = 0;
            if (_pivotCount > 0)
            {
                n = EmitAroundPivots(gfns, skipping);
                _pivotFrames += (ulong)n;
            }
            var background = EmitInOrder(gfns[n..], skipping);
            _backgroundFrames += (ulong)background;
            n += background;
            _pendingCount -= (ulong)n;
            return n;
        }
    }

    /// <summary>
    /// A destination fault on <paramref name="gfn"/>: takes the frame for the urgent channel if nobody has
    /// sent it yet, and re-centres pre-paging on it (also when it was already sent).
    /// </summary>
    public FaultDisposition OnDemandFault(ulong gfn)
    {
        lock (_gate)
        {
            if (!_backed.IsSet(gfn))
            {
                return FaultDisposition.NotBacked;
            }
            AddPivot(gfn);
            return TakeUrgent(gfn) ? FaultDisposition.SendNow : FaultDisposition.AlreadyHandled;
        }
    }

    /// <summary>Takes a frame for the urgent channel without moving the pivots; false if it was already handed out.</summary>
    public bool TryTakeForUrgent(ulong gfn)
    {
        lock (_gate)
        {
            return TakeUrgent(gfn);
        }
    }

    /// <summary>
    /// Fills <paramref name="gfns"/> with free/unbacked frames the dirty log proves clean: the destination
    /// zero-fills them locally and they are never sent. Returns 0 while skipping is disabled.
    /// </summary>
    public int TakeZeroFill(Span<ulong> gfns)
    {
        lock (_gate)
        {
            EvaluateSkipping(out var skipping);
            if (!skipping)
            {
                return 0;
            }
            var n = Scan(gfns, ref _zeroSegment, ref _zeroPosition, ScanMode.CleanCandidatesOnly);
            _zeroFilledFrames += (ulong)n;
            _pendingCount -= (ulong)n;
            return n;
        }
    }

    /// <summary>Takes one frame for local zero-fill if skipping is enabled and it is a clean free/unbacked frame not yet handed out.</summary>
    public bool TryTakeZeroFill(ulong gfn)
    {
        lock (_gate)
        {
            EvaluateSkipping(out var skipping);
            if (!skipping || !_candidate.IsSet(gfn) || IsDirtyForSkipping(gfn) || !_pending.TryClear(gfn))
            {
                return false;
            }
            _zeroFilledFrames++;
            _pendingCount--;
            return true;
        }
    }

    /// <summary>The frame was sent by other means; never emit it. False if it was already handed out.</summary>
    public bool MarkSent(ulong gfn) => MarkHandled(gfn);

    /// <summary>The destination has the frame; never emit it. False if it was already handed out.</summary>
    public bool MarkReceived(ulong gfn) => MarkHandled(gfn);

    /// <summary>
    /// Recovery after a lost connection: every backed frame not in <paramref name="receivedWords"/> (the
    /// destination's received bitmap, zero-filled frames included) is pending again; cursors and pivots restart.
    /// </summary>
    public void ResumeFrom(ReadOnlySpan<ulong> receivedWords)
    {
        lock (_gate)
        {
            _pending.CopyFrom(_backed);
            _pending.AndNot(receivedWords);
            _pendingCount = _pending.CountSet();
            _pivotCount = 0;
            ResetCursors();
        }
    }

    public PlanStatistics GetStatistics()
    {
        lock (_gate)
        {
            var state = EvaluateSkipping(out var skipping);
            var toSend = (ulong[])_plannedPerClass.Clone();
            var toSkip = new ulong[ClassSlots];
            if (skipping)
            {
                _cleanCandidatesPerClass ??= CountCleanCandidates();
                for (var c = 0; c < ClassSlots; c++)
                {
                    toSkip[c] = _cleanCandidatesPerClass[c];
                    toSend[c] -= toSkip[c];
                }
            }
            return new PlanStatistics(
                toSend,
                toSkip,
                skipping,
                state,
                _holeFrames,
                _alreadyReceived,
                _backgroundFrames,
                _pivotFrames,
                _urgentFrames,
                _zeroFilledFrames,
                _pendingCount);
        }
    }

    private static bool IsCandidateClass(PageClass pageClass) =>
        pageClass is PageClass.Free or PageClass.Unbacked;

    private static int ClassSlot(PageClass pageClass) =>
        (int)pageClass is > 0 and < ClassSlots ? (int)pageClass : 0;

    /// <summary>Sort key in the high 32 bits (rank nibble, then 28 bits of class/heat/owner); run index goes in the low 32.</summary>
    /// <summary>A class's place in the background order (free and unbacked frames come after every rank).</summary>
    private static ulong ClassRank(PageClass pageClass) => pageClass switch
    {
        PageClass.Kernel => 0,
        PageClass.Hot => 2,
        PageClass.Active => 3,
        PageClass.Inactive => 4,
        PageClass.Cache => 5,
        PageClass.Unproven => 6,
        _ => 7,
    };

    private const byte CandidateRank = 8;

    /// <summary>The background order's rank of <paramref name="gfn"/>'s segment; past every rank for frames no segment holds.</summary>
    private byte RankAt(ulong gfn)
    {
        var i = Array.BinarySearch(_byAddressStart, gfn);
        if (i < 0)
        {
            i = ~i - 1;
        }
        if (i < 0)
        {
            return byte.MaxValue;
        }
        var segment = _byAddressSegment[i];
        return gfn < _segmentEnd[segment] ? _segmentRank[segment] : byte.MaxValue;
    }

    /// <summary>The rank the class order is sending now.</summary>
    private byte CursorRank => _segment < _segmentRank.Length ? _segmentRank[_segment] : CandidateRank;

    private static ulong OrderKey(PageClass pageClass, byte heat, ulong ownerRank, OwnerPriorityMode mode)
    {
        var classRank = ClassRank(pageClass);
        var coldness = (ulong)(byte)~heat;
        var rank = classRank;
        ulong subClass = 0;
        if (mode == OwnerPriorityMode.ClassBoost && ownerRank != NoOwnerRank && classRank is >= 2 and <= 5)
        {
            rank = 1;
            subClass = classRank;
        }
        var middle = mode == OwnerPriorityMode.FirstInClass
            ? (subClass << 24) | (ownerRank << 8) | coldness
            : (subClass << 24) | (coldness << 16) | ownerRank;
        return (rank << 60) | (middle << 32);
    }

    /// <summary>Run owner value (owner index + 1) → rank of the first selector that matches it.</summary>
    private static Dictionary<uint, ulong> ResolveOwnerRanks(PageClassMap map, IReadOnlyList<OwnerSelector> selectors)
    {
        var ranks = new Dictionary<uint, ulong>();
        if (selectors.Count == 0)
        {
            return ranks;
        }
        foreach (var owner in map.Owners)
        {
            for (var s = 0; s < selectors.Count; s++)
            {
                if (selectors[s].Matches(owner))
                {
                    ranks[owner.Index + 1] = (ulong)Math.Min(s, (int)NoOwnerRank - 1);
                    break;
                }
            }
        }
        return ranks;
    }

    private void AddSegment(int index, ulong start, ulong end, PageClass pageClass)
    {
        _segmentStart[index] = start;
        _segmentEnd[index] = end;
        _segmentClass[index] = pageClass;
        _segmentRank[index] = IsCandidateClass(pageClass) ? CandidateRank : (byte)ClassRank(pageClass);
        _plannedPerClass[ClassSlot(pageClass)] += _planned.CountSet(start, end);
    }

    private void ResetCursors()
    {
        _segment = 0;
        _position = _segmentStart.Length > 0 ? _segmentStart[0] : 0;
        _zeroSegment = _candidatePhase;
        _zeroPosition = _candidatePhase < _segmentStart.Length ? _segmentStart[_candidatePhase] : 0;
    }

    private string EvaluateSkipping(out bool enabled)
    {
        enabled = false;
        if (_skippingEnabled)
        {
            enabled = true;
            return SkippingStates.Enabled;
        }
        if (_dirtyLog is null)
        {
            return SkippingStates.NoDirtyLog;
        }
        if (_dirtyLog.TrackingStartedAt > _mapRequestedAt)
        {
            return SkippingStates.StartedAfterMap;
        }
        if (_dirtyLog.SealedAt is not { } sealedAt)
        {
            return SkippingStates.NotSealed;
        }
        if (sealedAt < _mapRequestedAt)
        {
            return SkippingStates.SealedBeforeMap;
        }
        // A sealed log never changes again, so the decision can be latched.
        _skippingEnabled = enabled = true;
        return SkippingStates.Enabled;
    }

    /// <summary>Frames the log does not cover count as written.</summary>
    private bool IsDirtyForSkipping(ulong gfn)
    {
        if (_dirtyBitmap is not null)
        {
            return gfn >= _dirtyBitmap.TotalFrames || _dirtyBitmap.IsDirty(gfn);
        }
        return _dirtyLog is null || gfn >= _dirtyLog.TotalFrames || _dirtyLog.IsDirty(gfn);
    }

    private bool TakeUrgent(ulong gfn)
    {
        if (!_pending.TryClear(gfn))
        {
            return false;
        }
        _pendingCount--;
        _urgentFrames++;
        return true;
    }

    private bool MarkHandled(ulong gfn)
    {
        lock (_gate)
        {
            if (!_pending.TryClear(gfn))
            {
                return false;
            }
            _pendingCount--;
            return true;
        }
    }

    private int EmitInOrder(Span<ulong> gfns, bool skipping) =>
        Scan(gfns, ref _segment, ref _position, skipping ? ScanMode.LeaveCleanCandidates : ScanMode.All);

    /// <summary>
    /// Hands out pending frames segment by segment from a cursor, one 64-frame word at a time. In the
    /// candidate (free/unbacked) phase, clean frames are left for zero-fill or are the only ones taken.
    /// </summary>
    private int Scan(Span<ulong> gfns, ref int segmentCursor, ref ulong positionCursor, ScanMode mode)
    {
        var n = 0;
        var words = _pending.Words;
        var segment = segmentCursor;
        var position = positionCursor;
        var segments = _segmentStart.Length;
        while (n < gfns.Length && segment < segments)
        {
            var end = _segmentEnd[segment];
            if (position >= end)
            {
                if (++segment < segments)
                {
                    position = _segmentStart[segment];
                }
                continue;
            }
            var w = (int)(position >> 6);
            var wordBase = (ulong)w << 6;
            var word = words[w] & (~0UL << (int)(position & 63));
            if (end - wordBase < 64)
            {
                word &= (1UL << (int)(end - wordBase)) - 1;
            }
            var filter = mode != ScanMode.All && segment >= _candidatePhase;
            if (filter && _dirtyBitmap is not null)
            {
                var dirty = DirtyWord(w);
                word &= mode == ScanMode.LeaveCleanCandidates ? dirty : ~dirty;
                filter = false;
            }
            if (filter)
            {
                // Opaque dirty log: ask frame by frame.
                if (word == 0)
                {
                    position = Math.Min(wordBase + 64, end);
                    continue;
                }
                var bit = wordBase | (uint)BitOperations.TrailingZeroCount(word);
                position = bit + 1;
                if (IsDirtyForSkipping(bit) == (mode == ScanMode.LeaveCleanCandidates))
                {
                    words[w] &= ~(1UL << (int)(bit & 63));
                    gfns[n++] = bit;
                }
                continue;
            }
            var taken = 0UL;
            while (word != 0 && n < gfns.Length)
            {
                var lowest = word & (0UL - word);
                taken |= lowest;
                word ^= lowest;
                gfns[n++] = wordBase | (uint)BitOperations.TrailingZeroCount(lowest);
            }
            words[w] &= ~taken;
            position = word == 0 ? Math.Min(wordBase + 64, end) : wordBase | (uint)BitOperations.TrailingZeroCount(word);
        }
        segmentCursor = segment;
        positionCursor = position;
        return n;
    }

    /// <summary>Dirty bits of frames 64w..64w+63 from a supplied bitmap; frames it does not cover count as written.</summary>
    private ulong DirtyWord(int w)
    {
        var dirty = _dirtyBitmap!.Words;
        var covered = _dirtyBitmap.TotalFrames;
        var first = (ulong)w << 6;
        if (first >= covered)
        {
            return ~0UL;
        }
        var word = dirty[w];
        return covered - first >= 64 ? word : word | (~0UL << (int)(covered - first));
    }

    /// <summary>
    /// Makes <paramref name="gfn"/> the newest pivot. A fault within the radius above (below) a live pivot's centre
    /// continues that walk: the older pivot retires (the walk has left it behind) and the new one grows upward
    /// (downward) only, so an ascending scan gets the frames ahead of it instead of half of them behind it.
    /// </summary>
    private void AddPivot(ulong gfn)
    {
        if (_pivots.Length == 0)
        {
            return;
        }
        var direction = PivotDirection.Both;
        for (var p = 0; p < _pivotCount; p++)
        {
            var centre = _pivots[p].Centre;
            if (gfn != centre && (gfn > centre ? gfn - centre : centre - gfn) <= _pivotRadius)
            {
                direction = gfn > centre ? PivotDirection.Up : PivotDirection.Down;
                RemovePivot(p);
                break;
            }
        }
        var keep = Math.Min(_pivotCount, _pivots.Length - 1);
        Array.Copy(_pivots, 0, _pivots, 1, keep);
        _pivots[0] = new Pivot(gfn, _pivotRadius, _frames, direction)
        {
            RankBound = _pivotsFollowClassOrder ? Math.Max(CursorRank, RankAt(gfn)) : byte.MaxValue,
        };
        _pivotCount = keep + 1;
    }

    private void RemovePivot(int index)
    {
        Array.Copy(_pivots, index + 1, _pivots, index, _pivotCount - index - 1);
        _pivotCount--;
    }

    /// <summary>
    /// Each round gives every pivot, newest first, one step upward and one step downward. A step goes out as one
    /// ascending run (the downward one reversed), so the page server sends it as one multi-page frame and the
    /// destination installs it with one copy: alternating single frames would cost a frame, a write and an ioctl each.
    /// </summary>
    private int EmitAroundPivots(Span<ulong> gfns, bool skipping)
    {
        var n = 0;
        while (n < gfns.Length && _pivotCount > 0)
        {
            var p = 0;
            while (p < _pivotCount && n < gfns.Length)
            {
                ref var pivot = ref _pivots[p];
                for (var k = 0; k < _pivotStep && n < gfns.Length && TryEmitUp(ref pivot, skipping, out var up); k++)
                {
                    gfns[n++] = up;
                }
                var downStart = n;
                for (var k = 0; k < _pivotStep && n < gfns.Length && TryEmitDown(ref pivot, skipping, out var down); k++)
                {
                    gfns[n++] = down;
                }
                gfns[downStart..n].Reverse();
                if (pivot.UpDone && pivot.DownDone)
                {
                    RemovePivot(p);
                }
                else
                {
                    p++;
                }
            }
        }
        return n;
    }

    private bool TryEmitUp(ref Pivot pivot, bool skipping, out ulong gfn)
    {
        while (!pivot.UpDone)
        {
            var bit = _pending.FindNextSet(pivot.Up, pivot.UpEnd);
            if (bit >= pivot.UpEnd)
            {
                pivot.Up = pivot.UpEnd;
                break;
            }
            pivot.Up = bit + 1;
            if (TryTakeNeighbour(bit, pivot.RankBound, skipping))
            {
                gfn = bit;
                return true;
            }
        }
        gfn = 0;
        return false;
    }

    private bool TryEmitDown(ref Pivot pivot, bool skipping, out ulong gfn)
    {
        while (!pivot.DownDone)
        {
            var bit = _pending.FindPreviousSet(pivot.DownTop - 1, pivot.DownEnd);
            if (bit == FrameBitmap.NotFound)
            {
                pivot.DownTop = pivot.DownEnd;
                break;
            }
            pivot.DownTop = bit;
            if (TryTakeNeighbour(bit, pivot.RankBound, skipping))
            {
                gfn = bit;
                return true;
            }
        }
        gfn = 0;
        return false;
    }

    /// <summary>
    /// A clean free frame near a fault is left for zero-fill rather than sent, and a neighbour the class order ranks
    /// below both the fault and what it is sending now waits for its turn.
    /// </summary>
    private bool TryTakeNeighbour(ulong gfn, byte rankBound, bool skipping)
    {
        if (skipping && _candidate.IsSet(gfn) && !IsDirtyForSkipping(gfn))
        {
            return false;
        }
        if (rankBound != byte.MaxValue && RankAt(gfn) > rankBound)
        {
            return false;
        }
        _pending.Clear(gfn);
        return true;
    }

    private ulong[] CountCleanCandidates()
    {
        var counts = new ulong[ClassSlots];
        for (var s = _candidatePhase; s < _segmentStart.Length; s++)
        {
            var end = _segmentEnd[s];
            for (var bit = _planned.FindNextSet(_segmentStart[s], end); bit < end; bit = _planned.FindNextSet(bit + 1, end))
            {
                if (!IsDirtyForSkipping(bit))
                {
                    counts[ClassSlot(_segmentClass[s])]++;
                }
            }
        }
        return counts;
    }
}
