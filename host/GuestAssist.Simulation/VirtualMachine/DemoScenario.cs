using GuestAssist.Host.Layout;
using GuestAssist.Protocol.PageMaps;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Simulation.VirtualMachine;

/// <summary>
/// The demo "VM", derived deterministically from size and seed so the source and the destination process agree:
/// one region of guest RAM, a class map of kernel/hot/active/inactive/cache/free runs, and which frames the workload
/// writes after the map was reported (some hot frames, and a few frames the map called free: those must not be skipped).
/// </summary>
public sealed class DemoScenario
{
    public const uint PageSize = 4096;

    private static readonly (PageClass Class, int Weight)[] Mix =
    [
        (PageClass.Kernel, 6), (PageClass.Hot, 10), (PageClass.Active, 10), (PageClass.Inactive, 14), (PageClass.Cache, 20), (PageClass.Free, 40),
    ];

    public DemoScenario(ulong sizeBytes, int seed, DemoWorkload workload = DemoWorkload.Scattered)
    {
        if (sizeBytes < 4 * 1024 * 1024 || sizeBytes % (2 * 1024 * 1024) != 0)
        {
            throw new ArgumentException($"demo size {sizeBytes} must be a multiple of 2 MiB, at least 4 MiB", nameof(sizeBytes));
        }
        Seed = seed;
        Workload = workload;
        Frames = sizeBytes / PageSize;
        Layout = new GuestMemoryLayout([new MemoryRegion(0, sizeBytes, 0)], PageSize);
        var random = new Random(seed);
        var builder = new PageClassMapBuilder();
        var total = Mix.Sum(m => m.Weight);
        while (builder.NextGfn < Frames)
        {
            var pick = random.Next(total);
            var pageClass = Mix[0].Class;
            foreach (var (c, w) in Mix)
            {
                if ((pick -= w) < 0)
                {
                    pageClass = c;
                    break;
                }
            }
            var length = Math.Min((ulong)random.Next(64, 1024), Frames - builder.NextGfn);
            builder.Append(length, pageClass);
        }
        Map = builder.Build(new MapEpoch { Sequence = 1, GuestMonotonicNs = 1 }, PageSize);
        Classes = new PageClass[Frames];
        foreach (var run in Map.Runs)
        {
            Array.Fill(Classes, run.Class, (int)run.StartGfn, (int)run.Length);
        }
        var later = new List<ulong>();
        for (ulong gfn = 0; gfn < Frames; gfn++)
        {
            var c = Classes[gfn];
            if ((c == PageClass.Hot && random.Next(5) == 0) || (c == PageClass.Free && random.Next(200) == 0))
            {
                later.Add(gfn);
            }
        }
        WrittenAfterReport = [.. later];
        // What a running guest touches right after switchover: its hot pages and the kernel memory every system call,
        // interrupt and context switch goes through (here every other kernel frame), in whatever order its code runs.
        var scattered = FramesWhere(g => Classes[g] == PageClass.Hot || (Classes[g] == PageClass.Kernel && g % 2 == 0));
        new Random(seed + 1).Shuffle(scattered);
        WorkingSet = workload == DemoWorkload.SequentialRuns ? SequentialRuns(scattered.Length, new Random(seed + 2)) : scattered;
    }

    public int Seed { get; }

    public DemoWorkload Workload { get; }

    public ulong Frames { get; }

    public GuestMemoryLayout Layout { get; }

    public PageClassMap Map { get; }

    /// <summary>Class of every frame (the map, expanded).</summary>
    public PageClass[] Classes { get; }

    /// <summary>Frames the workload writes between the map report and switchover (generation 2).</summary>
    public ulong[] WrittenAfterReport { get; }

    /// <summary>What the workload touches first, in that order (see <see cref="DemoWorkload"/>); no frame twice.</summary>
    public ulong[] WorkingSet { get; }

    /// <summary>
    /// Generation-1 content: every frame except unbacked ones and every 16th cache frame (clean zero pages). Free frames
    /// hold what their previous owner left there, as in a real guest (the kernel does not zero pages it frees).
    /// </summary>
    public bool HasInitialContent(ulong gfn) =>
        Classes[gfn] switch
        {
            PageClass.Unbacked => false,
            PageClass.Cache => gfn % 16 != 0,
            _ => true,
        };

    /// <summary>Frames the guest reported free and did not write before switchover: their content is garbage to the guest, so reading zero is correct.</summary>
    public bool IsSkippable(ulong gfn, HashSet<ulong> writtenAfterReport) =>
        Classes[gfn] is PageClass.Free or PageClass.Unbacked && !writtenAfterReport.Contains(gfn);

    private ulong[] FramesWhere(Func<ulong, bool> predicate) =>
        [.. Enumerable.Range(0, (int)Frames).Select(i => (ulong)i).Where(predicate)];

    /// <summary>
    /// Runs of 16–256 neighbouring frames walked in address order, started in hot (60%), kernel (20%) or active (20%)
    /// frames and continuing through whatever class follows (a free frame ends a run: nothing lives there), the runs in
    /// shuffled order; as many frames in all as the scattered working set has, so the two workloads compare.
    /// </summary>
    private ulong[] SequentialRuns(int frames, Random random)
    {
        ulong[][] starts =
        [
            .. new[] { PageClass.Hot, PageClass.Kernel, PageClass.Active }
                .Select(c => FramesWhere(g => Classes[g] == c)),
        ];
        var touched = new bool[Frames];
        var runs = new List<ulong[]>();
        var total = 0;
        while (total < frames)
        {
            var pick = random.Next(10);
            var from = starts[pick < 6 ? 0 : pick < 8 ? 1 : 2];
            if (from.Length == 0)
            {
                continue;
            }
            var start = from[random.Next(from.Length)];
            var end = Math.Min(start + (ulong)random.Next(16, 257), Frames);
            var run = new List<ulong>();
            for (var gfn = start; gfn < end && total + run.Count < frames && Classes[gfn] is not (PageClass.Free or PageClass.Unbacked); gfn++)
            {
                if (!touched[gfn])
                {
                    touched[gfn] = true;
                    run.Add(gfn);
                }
            }
            total += run.Count;
            runs.Add([.. run]);
        }
        var order = runs.ToArray();
        random.Shuffle(order);
        return [.. order.SelectMany(r => r)];
    }
}
