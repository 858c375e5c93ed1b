using System.Diagnostics;
using GuestAssist.Agent.Serving;
using GuestAssist.Protocol.Handshake;
using GuestAssist.Protocol.PageMaps;
using GuestAssist.Protocol.V1;

namespace GuestAssist.IntegrationTests.AgentProtocol.Support;

/// <summary>
/// A deterministic map source: a fixed pattern of runs with heat and owners, a fresh epoch per scan, an
/// optional delay, and a record of what was asked, when each scan started and how many ran at once.
/// </summary>
public sealed class FixtureMapSource : IMemoryMapSource
{
    private static readonly PageClass[] Pattern =
    [
        PageClass.Kernel, PageClass.Hot, PageClass.Active, PageClass.Unbacked, PageClass.Inactive, PageClass.Cache, PageClass.Free,
    ];

    private readonly int _runs;
    private readonly TimeSpan _delay;
    private ulong _sequence;
    private int _running;
    private int _maxRunning;
    private int _scans;

    public FixtureMapSource(int runs = 5_000, TimeSpan? delay = null, IEnumerable<string>? capabilities = null)
    {
        _runs = runs;
        _delay = delay ?? TimeSpan.Zero;
        Info = new MemoryMapSourceInfo(
            [.. capabilities ?? [Capabilities.MemoryMapV1, Capabilities.MemoryMapHeat, Capabilities.MemoryMapOwners, Capabilities.ThrottleSigstop]],
            ["heat from LRU ACTIVE+REFERENCED flags: fixture"],
            4096,
            (ulong)runs * 3);
    }

    public MemoryMapSourceInfo Info { get; }

    /// <summary>When set, each scan signals <see cref="ScanStarted"/> and waits for this before finishing.</summary>
    public TaskCompletionSource? Hold { get; set; }

    public SemaphoreSlim ScanStarted { get; } = new(0);

    public int MaxConcurrentScans => Volatile.Read(ref _maxRunning);

    public int Scans => Volatile.Read(ref _scans);

    public MemoryMapRequest? LastRequest { get; private set; }

    /// <summary>Stopwatch timestamp at the start of the latest scan.</summary>
    public long LastScanStartedAt { get; private set; }

    public PageClassMap? LastMap { get; private set; }

    public async ValueTask<ScannedMap> ScanAsync(MemoryMapRequest request, CancellationToken cancellationToken)
    {
        LastScanStartedAt = Stopwatch.GetTimestamp();
        var running = Interlocked.Increment(ref _running);
        InterlockedMax(ref _maxRunning, running);
        try
        {
            ScanStarted.Release();
            if (Hold is { } hold)
            {
                await hold.Task.WaitAsync(cancellationToken);
            }
            if (_delay > TimeSpan.Zero)
            {
                await Task.Delay(_delay, cancellationToken);
            }
            LastRequest = request;
            var map = Build(++_sequence, request.IncludeHeat, request.IncludeOwners);
            LastMap = map;
            Interlocked.Increment(ref _scans);
            return ScannedMap.FromMap(map, request.IncludeHeat ? HeatMethod.LruFlags : HeatMethod.None, request.MaxChunkBytes);
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }

    public PageClassMap Build(ulong sequence, bool heat, bool owners)
    {
        var builder = new PageClassMapBuilder(heat, owners);
        for (var i = 0; i < _runs; i++)
        {
            builder.Append((ulong)(1 + (i % 5)), Pattern[i % Pattern.Length], heat: (byte)(i * 37), owner: owners ? (uint)(i % 4) : 0);
        }
        var table = owners
            ? new[]
            {
                new FrameOwner { Index = 0, Pid = 1, Command = "init", Cgroup = "/" },
                new FrameOwner { Index = 1, Pid = 4242, Command = "postgres", Cgroup = "/system.slice/postgresql.service" },
                new FrameOwner { Index = 2, Pid = 777, Command = "nginx", Cgroup = "/system.slice/nginx.service" },
            }
            : null;
        return builder.Build(new MapEpoch { Sequence = sequence, GuestMonotonicNs = 1_000_000 * sequence }, 4096, table);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }
            current = seen;
        }
    }
}
