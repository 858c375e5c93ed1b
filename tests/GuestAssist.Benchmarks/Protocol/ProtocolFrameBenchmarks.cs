using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Jobs;
using Google.Protobuf;
using GuestAssist.Protocol.Framing;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Benchmarks.Protocol;

/// <summary>
/// Frame encode/decode throughput: in memory (codec alone) and through the pooled reader and the
/// serialised writer over a stream, for a heartbeat-sized, a small and a map-chunk-sized message.
/// See <see cref="Config"/> for the second job.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(Config))]
public class ProtocolFrameBenchmarks
{
    private const int FramesPerStreamOp = 64;

    private Envelope _envelope = null!;
    private byte[] _frame = null!;
    private byte[] _buffer = null!;
    private MemoryStream _stream = null!;
    private FrameWriter _writer = null!;
    private byte[] _frames = null!;

    [Params(64, 4096, 262_144)]
    public int PayloadBytes { get; set; }

    public static int FrameBytesFor(int payloadBytes) => FrameCodec.GetFrameSize(CreateEnvelope(payloadBytes));

    [GlobalSetup]
    public void Setup()
    {
        _envelope = CreateEnvelope(PayloadBytes);
        _frame = FrameCodec.Encode(_envelope);
        _buffer = new byte[_frame.Length];
        _frames = [.. Enumerable.Repeat(_frame, FramesPerStreamOp).SelectMany(f => f)];
        _stream = new MemoryStream(_frames.Length);
        _writer = new FrameWriter(_stream);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _writer.Dispose();
        _stream.Dispose();
    }

    [Benchmark]
    public int Encode() => FrameCodec.Encode(_envelope, _buffer);

    [Benchmark]
    public ulong Decode()
    {
        FrameCodec.TryDecode(_frame, out var envelope, out _);
        return envelope!.Id;
    }

    [Benchmark(OperationsPerInvoke = FramesPerStreamOp)]
    public async Task<long> WriterToStream()
    {
        _stream.Position = 0;
        for (var i = 0; i < FramesPerStreamOp; i++)
        {
            await _writer.WriteAsync(_envelope);
        }
        return _stream.Position;
    }

    [Benchmark(OperationsPerInvoke = FramesPerStreamOp)]
    public async Task<ulong> ReaderFromStream()
    {
        using var reader = new FrameReader(new MemoryStream(_frames, writable: false));
        ulong sum = 0;
        while (await reader.ReadAsync() is { } envelope)
        {
            sum += envelope.Id;
        }
        return sum;
    }

    private static Envelope CreateEnvelope(int payloadBytes)
    {
        var runs = new byte[payloadBytes];
        new Random(payloadBytes).NextBytes(runs);
        return new Envelope
        {
            Id = 12345,
            ReplyTo = 678,
            MemoryMapChunk = new MemoryMapChunk
            {
                Epoch = new MapEpoch { Sequence = 1, GuestMonotonicNs = 1_000_000_000 },
                PageSize = 4096,
                TotalFrames = 16_777_216,
                ChunkIndex = 3,
                FirstGfn = 1_000_000,
                EncodedRuns = ByteString.CopyFrom(runs),
            },
        };
    }

    /// <summary>
    /// Adds, next to the job from the command line, the same job with a 1 MiB LOH threshold: decoding a
    /// 256 KiB frame allocates a 256 KiB ByteString, which by default lands on the LOH in fresh pages,
    /// and first-touch page faults are expensive in these VMs. The pair shows how much of the time that is.
    /// </summary>
    private sealed class Config : ProtocolBenchmarkConfig
    {
        public Config()
        {
            AddColumn(new ThroughputColumn());
            AddJob(Job.ShortRun
                .WithEnvironmentVariables(new EnvironmentVariable("DOTNET_GCLOHThreshold", "0x100000"))
                .WithId("ShortRun-LOH1MiB"));
        }
    }
}
