using BenchmarkDotNet.Attributes;
using GuestAssist.Guest.ProcFs;
using GuestAssist.Guest.Scanning;

namespace GuestAssist.Benchmarks.Guest;

/// <summary>
/// The live scan against a raw read of the same kpageflags + kpagecount ranges (root only; the agent's
/// `scan --bench` prints the same comparison with the ratio line).
/// </summary>
[MemoryDiagnoser]
public class FrameScannerBenchmarks
{
    private FrameScanner? _scanner;

    [GlobalSetup]
    public void Setup() => _scanner = new FrameScanner(ProcFsPaths.Live);

    [GlobalCleanup]
    public void Cleanup() => _scanner?.Dispose();

    [Benchmark(Baseline = true)]
    public long RawRead() => _scanner!.ReadRaw();

    [Benchmark]
    public ulong ScanAndClassify() => _scanner!.Scan().TotalFrames;
}
