using BenchmarkDotNet.Attributes;
using GuestAssist.Protocol.PageMaps;
using GuestAssist.Protocol.Tests.Support;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Benchmarks.Protocol;

/// <summary>
/// The class map of a 64 GiB guest with realistic fragmentation: encode/decode time of the run codec and
/// of the chunked wire form (heat and owners included). Encoded sizes are printed in GlobalSetup.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ProtocolBenchmarkConfig))]
public class ProtocolPageClassMapBenchmarks
{
    private PageClassMap _map = null!;
    private byte[] _encoded = null!;
    private IReadOnlyList<MemoryMapChunk> _chunks = null!;

    [GlobalSetup]
    public void Setup()
    {
        _map = RealisticMaps.Create(guestGiB: 64, populatedFraction: 0.75, seed: 64);
        _encoded = PageClassMapCodec.EncodeRuns(_map.Runs, 0);
        _chunks = PageClassMapCodec.ToChunks(_map);
        var wireBytes = _chunks.Sum(c => new Envelope { MemoryMapChunk = c }.CalculateSize() + 4);
        Console.WriteLine(
            $"// PageClassMap 64 GiB guest: {_map.TotalFrames} frames, {_map.RunCount} runs; encoded runs {_encoded.Length} bytes "
            + $"({(double)_encoded.Length / _map.RunCount:F2} B/run, {_encoded.Length / 1024.0:F0} KiB); "
            + $"with heat + owners as {_chunks.Count} chunk frames of <= 256 KiB: {wireBytes} bytes on the wire");
    }

    [Benchmark]
    public int EncodeRuns() => PageClassMapCodec.EncodeRuns(_map.Runs, 0).Length;

    [Benchmark]
    public int DecodeRuns() => PageClassMapCodec.DecodeRuns(_encoded, 0, _map.TotalFrames).Length;

    [Benchmark]
    public int ToChunks() => PageClassMapCodec.ToChunks(_map).Count;

    [Benchmark]
    public int FromChunks() => PageClassMapCodec.FromChunks(_chunks).RunCount;
}
