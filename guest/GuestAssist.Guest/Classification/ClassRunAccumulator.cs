using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using GuestAssist.Protocol.PageMaps;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Guest.Classification;

/// <summary>
/// Run-length accumulator over frame codes, appended in GFN order from 0. Its arrays grow only when a scan
/// has more runs than any before, so rescans allocate nothing. Builds a <see cref="PageClassMap"/> on request.
/// </summary>
public sealed class ClassRunAccumulator
{
    private ulong[] _starts = new ulong[4096];
    private byte[] _codes = new byte[4096];
    private int _count;

    public ClassCounts Counts { get; } = new();

    public ulong NextGfn { get; private set; }

    public int RunCount => _count;

    /// <summary>The code of the last appended frame (0 before any).</summary>
    public byte LastCode => _count == 0 ? (byte)0 : _codes[_count - 1];

    public ulong RunStart(int index) => _starts[index];

    public ulong RunEnd(int index) => index + 1 < _count ? _starts[index + 1] : NextGfn;

    public byte RunCode(int index) => _codes[index];

    public void Clear()
    {
        _count = 0;
        NextGfn = 0;
        Counts.Clear();
    }

    public void Append(ulong length, byte code)
    {
        if (length == 0)
        {
            return;
        }
        if (_count == 0 || _codes[_count - 1] != code)
        {
            StartRun(NextGfn, code);
        }
        NextGfn += length;
        Counts.Add(code, length);
    }

    /// <summary>Appends one code per frame, finding class changes 32 or 64 frames at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Append(ReadOnlySpan<byte> codes)
    {
        if (codes.IsEmpty)
        {
            return;
        }
        var current = LastCode;
        var runStart = 0;
        if (_count == 0 || current != codes[0])
        {
            CloseRun(codes, runStart, 0);
            StartRun(NextGfn, codes[0]);
            current = codes[0];
        }
        var i = 1;
        ref var codesRef = ref MemoryMarshal.GetReference(codes);
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 32 <= codes.Length; i += 32)
            {
                var here = Vector256.LoadUnsafe(ref codesRef, (nuint)i);
                var before = Vector256.LoadUnsafe(ref codesRef, (nuint)(i - 1));
                var changes = ~Vector256.Equals(here, before).ExtractMostSignificantBits();
                while (changes != 0)
                {
                    var at = i + BitOperations.TrailingZeroCount(changes);
                    CloseRun(codes, runStart, at);
                    runStart = at;
                    StartRun(NextGfn + (ulong)at, codes[at]);
                    changes &= changes - 1;
                }
            }
        }
        for (; i < codes.Length; i++)
        {
            if (codes[i] != codes[i - 1])
            {
                CloseRun(codes, runStart, i);
                runStart = i;
                StartRun(NextGfn + (ulong)i, codes[i]);
            }
        }
        CloseRun(codes, runStart, codes.Length);
        NextGfn += (ulong)codes.Length;
    }

    /// <summary>Gives every run coded <paramref name="from"/> the code <paramref name="to"/> (counts follow).</summary>
    public void Recode(byte from, byte to)
    {
        for (var r = 0; r < _count; r++)
        {
            if (_codes[r] == from)
            {
                var frames = RunEnd(r) - _starts[r];
                Counts.Add(from, 0UL - frames);
                Counts.Add(to, frames);
                _codes[r] = to;
            }
        }
    }

    /// <summary>Builds a map (see <see cref="WriteRuns"/>).</summary>
    public PageClassMap ToMap(MapEpoch epoch, uint pageSize, bool withHeat, Attribution.OwnerIndex? owners = null)
    {
        var builder = new PageClassMapBuilder(withHeat, owners is not null);
        WriteRuns(builder, withHeat, owners);
        return builder.Build(epoch, pageSize, owners?.ToFrameOwners());
    }

    /// <summary>
    /// Hands the runs to <paramref name="sink"/> in GFN order; with <paramref name="owners"/>, runs are split where
    /// the owning process changes and carry owner indexes (index + 1, 0 = none).
    /// </summary>
    public void WriteRuns(IClassRunSink sink, bool withHeat, Attribution.OwnerIndex? owners = null)
    {
        ArgumentNullException.ThrowIfNull(sink);
        var ownerCursor = 0;
        for (var r = 0; r < _count; r++)
        {
            var code = _codes[r];
            var start = _starts[r];
            var end = RunEnd(r);
            var pageClass = FrameCode.ClassOf(code);
            var heat = withHeat ? FrameCode.WireHeat(code) : (byte)0;
            if (owners is null)
            {
                sink.Append(end - start, pageClass, heat);
                continue;
            }
            var at = start;
            while (at < end)
            {
                ownerCursor = owners.SeekFrom(ownerCursor, at);
                if (ownerCursor >= owners.Count || owners.PfnAt(ownerCursor) >= end)
                {
                    sink.Append(end - at, pageClass, heat);
                    break;
                }
                var ownedPfn = owners.PfnAt(ownerCursor);
                sink.Append(ownedPfn - at, pageClass, heat);
                sink.Append(1, pageClass, heat, (uint)owners.OwnerAt(ownerCursor) + 1);
                at = ownedPfn + 1;
            }
        }
    }

    // Counts are added once per run segment rather than per frame.
    private void CloseRun(ReadOnlySpan<byte> codes, int from, int to)
    {
        if (to > from)
        {
            Counts.Add(codes[from], (ulong)(to - from));
        }
    }

    private void StartRun(ulong start, byte code)
    {
        if (_count == _starts.Length)
        {
            Array.Resize(ref _starts, _count * 2);
            Array.Resize(ref _codes, _count * 2);
        }
        _starts[_count] = start;
        _codes[_count] = code;
        _count++;
    }
}
