using BenchmarkDotNet.Attributes;
using GuestAssist.Guest.Classification;

namespace GuestAssist.Benchmarks.Guest;

/// <summary>Classification alone (no /proc reads) over 64 Ki frames of mixed flags, vector path against the scalar rule.</summary>
[MemoryDiagnoser]
public class FrameClassifierBenchmarks
{
    private const int Frames = 64 * 1024;
    private readonly ulong[] _flags = new ulong[Frames];
    private readonly ulong[] _counts = new ulong[Frames];
    private readonly byte[] _codes = new byte[Frames];
    private readonly ClassRunAccumulator _runs = new();

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        ulong[] choices =
        [
            KPageFlag.Buddy, KPageFlag.Slab, KPageFlag.Lru | KPageFlag.Active | KPageFlag.Referenced,
            KPageFlag.Lru | KPageFlag.Uptodate, KPageFlag.Lru | KPageFlag.Anon | KPageFlag.SwapBacked | KPageFlag.Mmap, 0,
        ];
        for (var i = 0; i < Frames;)
        {
            var flags = choices[random.Next(choices.Length)];
            var length = Math.Min(Frames - i, random.Next(1, 64));
            _flags.AsSpan(i, length).Fill(flags);
            _counts.AsSpan(i, length).Fill(flags == 0 ? 0UL : 1UL);
            i += length;
        }
    }

    [Benchmark(Baseline = true)]
    public int Scalar()
    {
        for (var i = 0; i < Frames; i++)
        {
            _codes[i] = FrameClassifier.ClassifyOne(_flags[i], _counts[i], false, false, false);
        }
        return _codes[Frames - 1];
    }

    [Benchmark]
    public int Vector()
    {
        var tally = default(FrameTally);
        FrameClassifier.Classify(_flags, _counts, 0, default, default, 0, _codes, ref tally);
        return _codes[Frames - 1];
    }

    [Benchmark]
    public int VectorWithRuns()
    {
        var tally = default(FrameTally);
        FrameClassifier.Classify(_flags, _counts, 0, default, default, 0, _codes, ref tally);
        _runs.Clear();
        _runs.Append(_codes);
        return _runs.RunCount;
    }
}
