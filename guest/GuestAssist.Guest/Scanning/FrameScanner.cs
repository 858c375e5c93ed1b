using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using GuestAssist.Guest.Classification;
using GuestAssist.Guest.Heat;
using GuestAssist.Guest.ProcFs;
using GuestAssist.Protocol.V1;
using Microsoft.Win32.SafeHandles;

namespace GuestAssist.Guest.Scanning;

/// <summary>
/// Classifies every frame of the "System RAM" ranges from /proc/kpageflags and /proc/kpagecount, read in
/// large aligned chunks into buffers reused across scans. Holes between ranges are unbacked. A block of
/// <see cref="BlockFrames"/> frames that reads all zero (flags and counts) is unproven, like any flagless frame,
/// unless <see cref="LazyInitProof"/> shows the kernel counts exactly those frames as free.
/// Not thread-safe: run one scan at a time (the result and its buffers are reused by the next scan).
/// </summary>
public sealed class FrameScanner : IDisposable
{
    /// <summary>Blank-memory granularity: one 2 MiB page block.</summary>
    public const int BlockFrames = 512;

    private readonly SafeFileHandle _flagsFile;
    private readonly SafeFileHandle _countsFile;
    private readonly byte[] _flagsBuffer;
    private readonly byte[] _countsBuffer;
    private readonly byte[] _codes;
    private readonly int _chunkFrames;
    private readonly FrameScanResult _result;
    private readonly PfnRange[] _ranges;
    private readonly FreeFiguresReader _freeFigures;

    public FrameScanner(ProcFsPaths paths, FrameScannerOptions? options = null)
    {
        options ??= new FrameScannerOptions();
        if (options.ChunkFrames <= 0 || options.ChunkFrames % BlockFrames != 0)
        {
            throw new ArgumentException($"ChunkFrames must be a positive multiple of {BlockFrames}, got {options.ChunkFrames}", nameof(options));
        }
        Paths = paths;
        _chunkFrames = options.ChunkFrames;
        _ranges = [.. IoMemParser.ReadSystemRam(paths.IoMem, options.PageSize)];
        if (_ranges.Length == 0)
        {
            throw new InvalidDataException($"{paths.IoMem} lists no \"System RAM\" (unreadable addresses need root)");
        }
        _flagsFile = File.OpenHandle(paths.KPageFlags, FileMode.Open, FileAccess.Read);
        try
        {
            _countsFile = File.OpenHandle(paths.KPageCount, FileMode.Open, FileAccess.Read);
        }
        catch
        {
            _flagsFile.Dispose();
            throw;
        }
        _flagsBuffer = GC.AllocateUninitializedArray<byte>(_chunkFrames * sizeof(ulong), pinned: true);
        _countsBuffer = GC.AllocateUninitializedArray<byte>(_chunkFrames * sizeof(ulong), pinned: true);
        _codes = new byte[_chunkFrames];
        _result = new FrameScanResult(options.PageSize);
        _freeFigures = new FreeFiguresReader(paths);
    }

    public ProcFsPaths Paths { get; }

    public IReadOnlyList<PfnRange> RamRanges => _ranges;

    /// <summary>Bytes read from each file per scan.</summary>
    public long BytesPerFile
    {
        get
        {
            long total = 0;
            foreach (var range in _ranges)
            {
                total += (long)range.Length * sizeof(ulong);
            }
            return total;
        }
    }

    /// <summary>
    /// Scans all frames. With a <paramref name="workingSet"/> that has bitmaps (idle tracking, DAMON, soft-dirty)
    /// an LRU frame is hot when accessed in its window; otherwise hot is LRU + ACTIVE + REFERENCED. The result object is reused by the next scan.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public FrameScanResult Scan(WorkingSet? workingSet = null)
    {
        var started = Stopwatch.GetTimestamp();
        var result = _result;
        result.Sequence++;
        result.MonotonicNs = MonotonicNow();
        var useIdle = workingSet is { HasBitmaps: true };
        result.HeatMethod = workingSet?.Method ?? HeatMethod.LruFlags;
        ReadOnlySpan<ulong> accessedNow = useIdle ? workingSet!.AccessedNow : default;
        ReadOnlySpan<ulong> accessedRecently = useIdle ? workingSet!.AccessedRecently : default;

        var runs = result.Runs;
        runs.Clear();
        var tally = default(FrameTally);
        long readTicks = 0;
        ulong ramFrames = 0;
        // Between "System RAM" ranges lie firmware's areas (the EBDA, option ROM and BIOS shadows, ACPI tables): the
        // VMM backs them and they are not empty (QEMU reads its vapic ROM there when it loads device state), so they
        // are sent with the kernel's frames, never called unbacked.
        var firmwareCode = FrameCode.Of(PageClass.Kernel);
        var blankCode = FrameCode.BlankBlock;
        var uninitialisedBefore = _freeFigures.UninitialisedFree(result.PageSize);
        foreach (var range in _ranges)
        {
            runs.Append(range.Start - runs.NextGfn, firmwareCode);
            ramFrames += range.Length;
            var chunkStart = range.Start;
            while (chunkStart < range.End)
            {
                var chunkEnd = Math.Min(range.End, (chunkStart / (ulong)_chunkFrames + 1) * (ulong)_chunkFrames);
                var frames = (int)(chunkEnd - chunkStart);
                var flags = MemoryMarshal.Cast<byte, ulong>(_flagsBuffer.AsSpan(0, frames * sizeof(ulong)));
                var counts = MemoryMarshal.Cast<byte, ulong>(_countsBuffer.AsSpan(0, frames * sizeof(ulong)));
                var readStarted = Stopwatch.GetTimestamp();
                ReadWords(_flagsFile, flags, chunkStart, KPageFlag.NoPage);
                ReadWords(_countsFile, counts, chunkStart, 0);
                readTicks += Stopwatch.GetTimestamp() - readStarted;

                var blockStart = chunkStart;
                while (blockStart < chunkEnd)
                {
                    var blockEnd = Math.Min(chunkEnd, (blockStart / BlockFrames + 1) * BlockFrames);
                    var offset = (int)(blockStart - chunkStart);
                    var length = (int)(blockEnd - blockStart);
                    var blockFlags = flags.Slice(offset, length);
                    var blockCounts = counts.Slice(offset, length);
                    if (blockFlags.IndexOfAnyExcept(0UL) < 0 && blockCounts.IndexOfAnyExcept(0UL) < 0)
                    {
                        runs.Append((ulong)length, blankCode);
                        tally.Blank += (ulong)length;
                    }
                    else
                    {
                        var codes = _codes.AsSpan(0, length);
                        FrameClassifier.Classify(blockFlags, blockCounts, blockStart, accessedNow, accessedRecently, runs.LastCode, codes, ref tally);
                        runs.Append(codes);
                    }
                    blockStart = blockEnd;
                }
                chunkStart = chunkEnd;
            }
        }
        result.LazyInit = LazyInitProof.Evaluate(tally.Blank, uninitialisedBefore, _freeFigures.UninitialisedFree(result.PageSize));
        if (result.LazyInit.Holds)
        {
            runs.Recode(blankCode, FrameCode.Of(PageClass.Free));
        }
        var total = Stopwatch.GetTimestamp() - started;
        result.Tally = tally;
        result.RamFrames = ramFrames;
        result.ReadSeconds = readTicks / (double)Stopwatch.Frequency;
        result.TotalSeconds = total / (double)Stopwatch.Frequency;
        result.ClassifySeconds = result.TotalSeconds - result.ReadSeconds;
        return result;
    }

    /// <summary>Reads the same ranges of both files with the same chunks and does nothing else (benchmark baseline).</summary>
    public long ReadRaw()
    {
        long bytes = 0;
        foreach (var range in _ranges)
        {
            var chunkStart = range.Start;
            while (chunkStart < range.End)
            {
                var chunkEnd = Math.Min(range.End, (chunkStart / (ulong)_chunkFrames + 1) * (ulong)_chunkFrames);
                var length = (int)(chunkEnd - chunkStart) * sizeof(ulong);
                bytes += RandomAccess.Read(_flagsFile, _flagsBuffer.AsSpan(0, length), (long)chunkStart * sizeof(ulong));
                bytes += RandomAccess.Read(_countsFile, _countsBuffer.AsSpan(0, length), (long)chunkStart * sizeof(ulong));
                chunkStart = chunkEnd;
            }
        }
        return bytes;
    }

    public void Dispose()
    {
        _freeFigures.Dispose();
        _flagsFile.Dispose();
        _countsFile.Dispose();
    }

    /// <summary>CLOCK_MONOTONIC in nanoseconds (Stopwatch reads CLOCK_MONOTONIC on Linux).</summary>
    public static ulong MonotonicNow()
    {
        var ticks = Stopwatch.GetTimestamp();
        return Stopwatch.Frequency == 1_000_000_000
            ? (ulong)ticks
            : (ulong)(ticks * (1_000_000_000.0 / Stopwatch.Frequency));
    }

    // The files end at the kernel's max_pfn: frames past the end have no struct page and read as `pastEnd`.
    private static void ReadWords(SafeFileHandle file, Span<ulong> words, ulong firstPfn, ulong pastEnd)
    {
        var bytes = MemoryMarshal.AsBytes(words);
        var done = 0;
        while (done < bytes.Length)
        {
            var read = RandomAccess.Read(file, bytes[done..], (long)firstPfn * sizeof(ulong) + done);
            if (read <= 0)
            {
                break;
            }
            done += read;
        }
        if (done < bytes.Length)
        {
            var whole = done / sizeof(ulong);
            words[whole..].Fill(pastEnd);
        }
    }
}
