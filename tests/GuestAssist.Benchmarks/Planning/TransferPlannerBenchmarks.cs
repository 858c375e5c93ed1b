using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using GuestAssist.Host.DirtyLog;
using GuestAssist.Host.Layout;
using GuestAssist.Host.Planning;
using GuestAssist.Protocol.PageMaps;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Benchmarks.Planning;

/// <summary>
/// Planner throughput for a 64 GiB Firecracker guest (16 M backed frames): build the plan, then drain it in
/// batches (background stream + zero-fill takes), with and without a demand fault every 16 batches,
/// side by side with a plain address-order bitmap scan of the same frames.
/// One operation = one frame, so Op/s reads as frames per second.
/// </summary>
[Config(typeof(FramesPerSecondConfig))]
[MemoryDiagnoser]
public class TransferPlannerBenchmarks
{
    private const ulong GuestBytes = 64UL << 30;
    private const int Frames = (int)(GuestBytes >> 12);
    private const long MapRequestedAt = 1_000;

    private GuestMemoryLayout _layout = null!;
    private PageClassMap _map = null!;
    private DirtyBitmap _log = null!;
    private TransferPlannerOptions _options = null!;
    private ulong[] _buffer = null!;
    private ulong[] _faults = null!;

    [Params(64, 256)]
    public int BatchFrames { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _layout = GuestMemoryLayout.Firecracker(GuestBytes);
        _map = FragmentedMap(_layout, new Random(42), out var owners);
        _log = new DirtyBitmap(_layout.TotalFrames, trackingStartedAt: MapRequestedAt - 1);
        var rng = new Random(7);
        for (var i = 0; i < Frames / 20; i++)
        {
            var gfn = (ulong)rng.NextInt64(0, (long)_layout.TotalFrames);
            if (_layout.IsBacked(gfn))
            {
                _log.MarkDirty(gfn);
            }
        }
        _log.Seal(MapRequestedAt + 1);
        _options = new TransferPlannerOptions { PriorityOwners = [OwnerSelector.ByIndex(owners - 1), OwnerSelector.ByIndex(3)] };
        _buffer = new ulong[BatchFrames];
        _faults = new ulong[4096];
        for (var i = 0; i < _faults.Length; i++)
        {
            ulong gfn;
            do
            {
                gfn = (ulong)rng.NextInt64(0, (long)_layout.TotalFrames);
            }
            while (!_layout.IsBacked(gfn));
            _faults[i] = gfn;
        }
        Console.WriteLine($"// map: {_map.RunCount} runs over {_map.TotalFrames} frames, {Frames} backed, {_log.CountDirty()} dirty");
    }

    /// <summary>The floor: hand out every backed frame in address order from a bitmap, no plan at all.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Frames)]
    public ulong AddressOrderScan()
    {
        var backed = new FrameBitmap(_layout.TotalFrames);
        foreach (var region in _layout.Regions)
        {
            backed.SetRange(region.GuestPhysicalAddress >> 12, region.GuestPhysicalEnd >> 12);
        }
        var buffer = _buffer.AsSpan();
        ulong handled = 0;
        var position = 0UL;
        while (true)
        {
            var n = 0;
            while (n < buffer.Length && (position = backed.FindNextSet(position, backed.Length)) < backed.Length)
            {
                backed.Clear(position);
                buffer[n++] = position++;
            }
            if (n == 0)
            {
                return handled;
            }
            handled += (ulong)n;
        }
    }

    [Benchmark(OperationsPerInvoke = Frames)]
    public ulong BuildAndDrain() => Drain(faults: false);

    [Benchmark(OperationsPerInvoke = Frames)]
    public ulong BuildAndDrainWithFaults() => Drain(faults: true);

    [Benchmark(OperationsPerInvoke = Frames)]
    public ulong BuildOnly() => new TransferPlanner(_map, _layout, MapRequestedAt, _log, _options).TotalFrames;

    private ulong Drain(bool faults)
    {
        var planner = new TransferPlanner(_map, _layout, MapRequestedAt, _log, _options);
        var buffer = _buffer.AsSpan();
        ulong handled = 0;
        var batches = 0;
        var nextFault = 0;
        int n;
        while ((n = planner.NextBatch(buffer)) > 0)
        {
            handled += (ulong)n;
            if (faults && ++batches % 16 == 0
                && planner.OnDemandFault(_faults[nextFault++ % _faults.Length]) == FaultDisposition.SendNow)
            {
                handled++;
            }
        }
        while ((n = planner.TakeZeroFill(buffer)) > 0)
        {
            handled += (ulong)n;
        }
        if (handled != Frames)
        {
            throw new InvalidOperationException($"handled {handled} frames, expected {Frames}");
        }
        return handled;
    }

    /// <summary>
    /// A guest after some uptime: kernel frames scattered in short runs, process memory in runs of a few to a
    /// few hundred frames with varying heat and owner, page cache in longer runs, free memory in buddy-sized
    /// blocks, and the MMIO gap reported unbacked. Mean run length is about 40 frames (~400 k runs).
    /// </summary>
    private static PageClassMap FragmentedMap(GuestMemoryLayout layout, Random rng, out uint owners)
    {
        owners = 16;
        var builder = new PageClassMapBuilder(withHeat: true, withOwners: true);
        var gapStart = layout.Regions[0].GuestPhysicalEnd >> 12;
        var gapEnd = layout.Regions[1].GuestPhysicalAddress >> 12;
        while (builder.NextGfn < layout.TotalFrames)
        {
            if (builder.NextGfn == gapStart)
            {
                builder.Append(gapEnd - gapStart, PageClass.Unbacked);
                continue;
            }
            var limit = (builder.NextGfn < gapStart ? gapStart : layout.TotalFrames) - builder.NextGfn;
            var roll = rng.Next(100);
            var (pageClass, length) = roll switch
            {
                < 8 => (PageClass.Kernel, rng.Next(1, 16)),
                < 18 => (PageClass.Hot, rng.Next(1, 64)),
                < 33 => (PageClass.Active, rng.Next(1, 64)),
                < 55 => (PageClass.Inactive, rng.Next(1, 128)),
                < 80 => (PageClass.Cache, rng.Next(1, 256)),
                _ => (PageClass.Free, 1 << rng.Next(0, 10)),
            };
            var owner = pageClass is PageClass.Hot or PageClass.Active or PageClass.Inactive ? (uint)rng.Next(0, 17) : 0u;
            builder.Append(Math.Min((ulong)length, limit), pageClass, (byte)rng.Next(256), owner);
        }
        var frameOwners = Enumerable.Range(0, 16).Select(i => new FrameOwner { Index = (uint)i, Pid = 1000 + i, Command = $"svc{i}" }).ToArray();
        return builder.Build(new MapEpoch { Sequence = 1 }, 4096, frameOwners);
    }

    private sealed class FramesPerSecondConfig : ManualConfig
    {
        public FramesPerSecondConfig() => AddColumn(StatisticColumn.OperationsPerSecond);
    }
}
