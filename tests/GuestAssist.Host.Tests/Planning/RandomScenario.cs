using GuestAssist.Host.DirtyLog;
using GuestAssist.Host.Layout;
using GuestAssist.Protocol.PageMaps;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Host.Tests.Planning;

/// <summary>A seeded random guest: a layout with holes, a class map that covers it and may overhang it (as /proc/kpageflags does), and a dirty log.</summary>
internal sealed class RandomScenario
{
    public const long MapRequestedAt = 1_000;

    private RandomScenario(GuestMemoryLayout layout, PageClassMap map, DirtyBitmap? log)
    {
        Layout = layout;
        Map = map;
        Log = log;
    }

    public GuestMemoryLayout Layout { get; }

    public PageClassMap Map { get; }

    public DirtyBitmap? Log { get; }

    public ulong Frames => Layout.TotalFrames;

    /// <summary>Log modes: 0 none, 1 covering and sealed, 2 covering not sealed, 3 started after the map.</summary>
    public static RandomScenario Create(Random rng, int logMode, bool withHeat = true, bool withOwners = true)
    {
        var layout = RandomLayout(rng);
        var frames = layout.TotalFrames;
        var mapFrames = frames + (ulong)rng.Next(0, 200);
        var builder = new PageClassMapBuilder(withHeat, withOwners);
        while (builder.NextGfn < mapFrames)
        {
            var length = Math.Min((ulong)rng.Next(1, 120), mapFrames - builder.NextGfn);
            var pageClass = (PageClass)rng.Next(0, 8);
            builder.Append(length, pageClass, (byte)rng.Next(256), (uint)rng.Next(0, 4));
        }
        var owners = new[]
        {
            new FrameOwner { Index = 0, Pid = 100, Command = "postgres", Cgroup = "/system.slice/postgres.service" },
            new FrameOwner { Index = 1, Pid = 200, Command = "nginx", Cgroup = "/system.slice/nginx.service" },
            new FrameOwner { Index = 2, Pid = 300, Command = "batch", Cgroup = "/user.slice/batch" },
        };
        var map = builder.Build(new MapEpoch { Sequence = 1, GuestMonotonicNs = 5 }, 4096, withOwners ? owners : null);
        DirtyBitmap? log = null;
        if (logMode != 0)
        {
            log = new DirtyBitmap(frames + (ulong)rng.Next(0, 3) - 1, logMode == 3 ? MapRequestedAt + 1 : MapRequestedAt - 1);
            for (var gfn = 0UL; gfn < log.TotalFrames; gfn++)
            {
                if (rng.Next(4) == 0)
                {
                    log.MarkDirty(gfn);
                }
            }
            if (logMode is 1 or 3)
            {
                log.Seal(MapRequestedAt + 500);
            }
        }
        return new RandomScenario(layout, map, log);
    }

    public static GuestMemoryLayout RandomLayout(Random rng)
    {
        var regions = new List<MemoryRegion>();
        ulong gfn = (ulong)rng.Next(0, 3) * (ulong)rng.Next(1, 100);
        ulong offset = 0;
        var count = rng.Next(1, 4);
        for (var i = 0; i < count; i++)
        {
            var length = (ulong)rng.Next(50, 2500);
            regions.Add(new MemoryRegion(gfn << 12, length << 12, offset));
            offset += length << 12;
            gfn += length + (ulong)rng.Next(1, 400);
        }
        return new GuestMemoryLayout(regions);
    }

    public bool IsSkipCandidate(ulong gfn) =>
        gfn < Map.TotalFrames && Map.ClassOf(gfn) is PageClass.Free or PageClass.Unbacked;

    public bool IsDirty(ulong gfn) => Log is null || gfn >= Log.TotalFrames || Log.IsDirty(gfn);

    public int RankOf(ulong gfn)
    {
        if (gfn >= Map.TotalFrames)
        {
            return 6;
        }
        return Map.ClassOf(gfn) switch
        {
            PageClass.Kernel => 1,
            PageClass.Hot => 2,
            PageClass.Active => 3,
            PageClass.Inactive => 4,
            PageClass.Cache => 5,
            PageClass.Free or PageClass.Unbacked => 7,
            _ => 6,
        };
    }
}
