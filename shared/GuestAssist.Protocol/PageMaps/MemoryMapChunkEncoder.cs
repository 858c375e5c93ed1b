using Google.Protobuf;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Protocol.PageMaps;

/// <summary>
/// Encodes runs into wire chunks as they are appended, so a map is never materialised as objects: the only
/// allocations are the chunks themselves, about the map's encoded size. The chunk being filled lives in
/// buffers sized by the chunk budget and reused for every chunk and every map (<see cref="Reset"/>).
/// Produces exactly what <see cref="PageClassMapCodec.ToChunks"/> produces for the same runs.
/// </summary>
public sealed class MemoryMapChunkEncoder : IClassRunSink
{
    private readonly List<MemoryMapChunk> _chunks = [];
    private byte[] _encoded = [];
    private byte[] _heat = [];
    private uint[] _owner = [];
    private MapEpoch _epoch = new();
    private IReadOnlyList<FrameOwner> _owners = [];
    private int _maxChunkBytes;
    private bool _withHeat;
    private bool _withOwners;
    private uint _pageSize;
    private ulong _totalFrames;

    // The run not yet written: it may still grow.
    private ulong _pendingLength;
    private PageClass _pendingClass;
    private byte _pendingHeat;
    private uint _pendingOwner;

    // The chunk being filled: runs encoded in the wide format (4 class bits) after the format byte.
    private ulong _chunkFirstGfn;
    private int _encodedLength;
    private int _runs;
    private int _budget;
    private bool _needsWideFormat;

    public ulong NextGfn { get; private set; }

    /// <summary>Runs appended so far (after merging).</summary>
    public int RunCount { get; private set; }

    /// <summary>Starts a map; chunks handed out by an earlier <see cref="Finish"/> stay valid.</summary>
    public void Reset(MapEpoch epoch, uint pageSize, ulong totalFrames, bool withHeat, bool withOwners, IReadOnlyList<FrameOwner>? owners = null, int maxChunkBytes = 256 * 1024)
    {
        ArgumentNullException.ThrowIfNull(epoch);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxChunkBytes, PageClassMapCodec.MinChunkBytes);
        _epoch = epoch;
        _pageSize = pageSize;
        _totalFrames = totalFrames;
        _withHeat = withHeat;
        _withOwners = withOwners;
        _owners = owners ?? [];
        _maxChunkBytes = maxChunkBytes;
        // Runs never take more bytes than the budget; the per-run arrays grow with the runs a chunk really holds.
        if (_encoded.Length < maxChunkBytes)
        {
            _encoded = new byte[maxChunkBytes];
        }
        _chunks.Clear();
        NextGfn = 0;
        RunCount = 0;
        _pendingLength = 0;
        StartChunk(0);
    }

    public void Append(ulong length, PageClass pageClass, byte heat = 0, uint owner = 0)
    {
        if (length == 0)
        {
            return;
        }
        if (_pendingLength > 0 && _pendingClass == pageClass && (!_withHeat || _pendingHeat == heat) && (!_withOwners || _pendingOwner == owner))
        {
            _pendingLength += length;
        }
        else
        {
            WritePending();
            _pendingLength = length;
            _pendingClass = pageClass;
            _pendingHeat = _withHeat ? heat : (byte)0;
            _pendingOwner = _withOwners ? owner : 0;
        }
        NextGfn += length;
    }

    /// <summary>The map's chunks, the last one flagged; they belong to the caller.</summary>
    public List<MemoryMapChunk> Finish()
    {
        if (NextGfn != _totalFrames)
        {
            throw new InvalidOperationException($"runs cover {NextGfn} frames, the map {_totalFrames}");
        }
        WritePending();
        if (_runs > 0 || _chunks.Count == 0)
        {
            CloseChunk();
        }
        _chunks[^1].Last = true;
        var chunks = new List<MemoryMapChunk>(_chunks);
        _chunks.Clear();
        return chunks;
    }

    private void WritePending()
    {
        if (_pendingLength == 0)
        {
            return;
        }
        if ((uint)_pendingClass > PageClassMapCodec.MaxClassValue)
        {
            throw new ArgumentException($"class {_pendingClass} does not fit the format");
        }
        var word = (_pendingLength << 4) | (uint)_pendingClass;
        var cost = Varint.SizeOf(word) + (_withHeat ? 1 : 0) + (_withOwners ? Varint.SizeOf(_pendingOwner) : 0);
        if (cost > _budget)
        {
            CloseChunk();
            StartChunk(NextGfn - _pendingLength);
        }
        _budget -= cost;
        _encodedLength += Varint.Write(_encoded.AsSpan(_encodedLength), word);
        if (_withHeat)
        {
            if (_runs == _heat.Length)
            {
                Array.Resize(ref _heat, Math.Max(4096, _runs * 2));
            }
            _heat[_runs] = _pendingHeat;
        }
        if (_withOwners)
        {
            if (_runs == _owner.Length)
            {
                Array.Resize(ref _owner, Math.Max(4096, _runs * 2));
            }
            _owner[_runs] = _pendingOwner;
        }
        _needsWideFormat |= (uint)_pendingClass >= 8;
        _runs++;
        RunCount++;
        _pendingLength = 0;
    }

    private void StartChunk(ulong firstGfn)
    {
        _chunkFirstGfn = firstGfn;
        _encodedLength = 1;
        _runs = 0;
        _budget = _maxChunkBytes - 1;
        _needsWideFormat = false;
    }

    private void CloseChunk()
    {
        var encoded = _encoded.AsSpan(0, _encodedLength);
        encoded[0] = PageClassMapCodec.FormatV2;
        if (!_needsWideFormat)
        {
            encoded = encoded[..NarrowInPlace(encoded)];
        }
        var chunk = new MemoryMapChunk
        {
            Epoch = _epoch.Clone(),
            PageSize = _pageSize,
            TotalFrames = _totalFrames,
            ChunkIndex = (uint)_chunks.Count,
            FirstGfn = _runs > 0 ? _chunkFirstGfn : _totalFrames,
            EncodedRuns = ByteString.CopyFrom(encoded),
        };
        if (_withHeat)
        {
            chunk.RunHeat = ByteString.CopyFrom(_heat.AsSpan(0, _runs));
        }
        if (_withOwners)
        {
            chunk.RunOwner.AddRange(new ArraySegment<uint>(_owner, 0, _runs));
        }
        if (_chunks.Count == 0)
        {
            chunk.Owners.AddRange(_owners);
        }
        _chunks.Add(chunk);
    }

    // Rewrites wide-format words as narrow ones (3 class bits) front to back: a narrow word is never longer
    // than its wide one, so the write position never overtakes the read position.
    private static int NarrowInPlace(Span<byte> encoded)
    {
        encoded[0] = PageClassMapCodec.FormatV1;
        int read = 1, write = 1;
        while (read < encoded.Length)
        {
            read += Varint.TryRead(encoded[read..], out var word);
            write += Varint.Write(encoded[write..], ((word >> 4) << 3) | (word & 0b111));
        }
        return write;
    }
}
