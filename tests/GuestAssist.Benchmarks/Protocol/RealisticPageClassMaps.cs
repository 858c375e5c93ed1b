using GuestAssist.Protocol.PageMaps;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Benchmarks.Protocol;

/// <summary>
/// Class maps shaped like a real x86 guest: firmware areas and the kernel image at low memory, a
/// populated region of interleaved kernel/hot/active/inactive/cache/free runs with buddy-order sizes,
/// the MMIO gap from 3 to 4 GiB as unbacked, and a big never-initialised free tail. A copy of
/// GuestAssist.Protocol.Tests/Support/RealisticMaps.cs: tests and benchmarks share no code.
/// </summary>
internal static class RealisticPageClassMaps
{
    public const ulong FramesPerGiB = (1UL << 30) / 4096;
    private const ulong LowRamEnd = 3 * FramesPerGiB;
    private const ulong HighRamStart = 4 * FramesPerGiB;
    private const int OwnerCount = 40;

    private static readonly (PageClass Class, int Weight)[] Mix =
    [
        (PageClass.Kernel, 8), (PageClass.Hot, 12), (PageClass.Active, 20),
        (PageClass.Inactive, 25), (PageClass.Cache, 20), (PageClass.Free, 15),
    ];

    public static PageClassMap Create(ulong guestGiB, double populatedFraction, int seed, bool withHeat = true, bool withOwners = true)
    {
        var random = new Random(seed);
        var ramFrames = guestGiB * FramesPerGiB;
        var totalFrames = ramFrames <= LowRamEnd ? ramFrames : ramFrames + (HighRamStart - LowRamEnd);
        var builder = new PageClassMapBuilder(withHeat, withOwners);
        builder.Append(1, PageClass.Kernel);
        builder.Append(159, PageClass.Free);
        builder.Append(96, PageClass.Unbacked);      // 640 KiB .. 1 MiB: VGA and BIOS
        builder.Append(3840, PageClass.Free);        // 1 .. 16 MiB
        builder.Append(8192, PageClass.Kernel);      // kernel image and early allocations
        var populatedEnd = Math.Min(totalFrames, builder.NextGfn + (ulong)(populatedFraction * ramFrames));
        if (populatedEnd > LowRamEnd)
        {
            populatedEnd += HighRamStart - LowRamEnd;
        }
        populatedEnd = Math.Min(populatedEnd, totalFrames);
        while (builder.NextGfn < populatedEnd)
        {
            if (builder.NextGfn == LowRamEnd && totalFrames > LowRamEnd)
            {
                builder.Append(HighRamStart - LowRamEnd, PageClass.Unbacked);
                continue;
            }
            var limit = builder.NextGfn < LowRamEnd ? Math.Min(LowRamEnd, populatedEnd) : populatedEnd;
            var length = Math.Min(BuddyBlock(random), limit - builder.NextGfn);
            var pageClass = PickClass(random);
            builder.Append(length, pageClass, Heat(random, pageClass), Owner(random, pageClass));
        }
        if (builder.NextGfn < totalFrames && builder.NextGfn < LowRamEnd && totalFrames > LowRamEnd)
        {
            builder.Append(LowRamEnd - builder.NextGfn, PageClass.Free);
            builder.Append(HighRamStart - LowRamEnd, PageClass.Unbacked);
        }
        builder.FillTo(totalFrames, PageClass.Free);  // never-initialised RAM (deferred struct-page init)
        var owners = withOwners
            ? Enumerable.Range(0, OwnerCount).Select(i => new FrameOwner { Index = (uint)i, Pid = 1000 + i, Command = $"worker-{i}", Cgroup = $"/app/{i % 4}" }).ToList()
            : null;
        return builder.Build(new MapEpoch { Sequence = (ulong)seed, GuestMonotonicNs = 42_000_000_000 }, 4096, owners);
    }

    /// <summary>A free-list-like block: 2^order frames, small orders far more common.</summary>
    private static ulong BuddyBlock(Random random)
    {
        var order = 0;
        while (order < 10 && random.NextDouble() < 0.7)
        {
            order++;
        }
        return 1UL << order;
    }

    private static PageClass PickClass(Random random)
    {
        var pick = random.Next(100);
        foreach (var (pageClass, weight) in Mix)
        {
            if (pick < weight)
            {
                return pageClass;
            }
            pick -= weight;
        }
        return PageClass.Free;
    }

    private static byte Heat(Random random, PageClass pageClass) => pageClass switch
    {
        PageClass.Hot => (byte)random.Next(200, 256),
        PageClass.Active => (byte)random.Next(100, 200),
        PageClass.Inactive => (byte)(random.Next(0, 4) * 25),
        _ => 0,
    };

    private static uint Owner(Random random, PageClass pageClass) =>
        pageClass is PageClass.Hot or PageClass.Active or PageClass.Inactive ? (uint)random.Next(0, OwnerCount + 1) : 0;
}
