using System.Globalization;
using System.Runtime.InteropServices;

namespace GuestAssist.Agent.Tests.Scan;

/// <summary>A small /proc tree for running the scan command without root: 4096 frames, a hole, some of each class.</summary>
public sealed class AgentFixture : IDisposable
{
    public const ulong Lru = 1UL << 5;
    public const ulong Active = 1UL << 6;
    public const ulong Referenced = 1UL << 2;
    public const ulong Slab = 1UL << 7;
    public const ulong Buddy = 1UL << 10;
    public const ulong Anon = 1UL << 12;

    public AgentFixture()
    {
        Root = Path.Combine(Path.GetTempPath(), "ga-agent-fixture-" + Guid.NewGuid().ToString("N"));
        ProcRoot = Path.Combine(Root, "proc");
        SysRoot = Path.Combine(Root, "sys");
        Directory.CreateDirectory(ProcRoot);
        Directory.CreateDirectory(SysRoot);
        var flags = new ulong[4096];
        var counts = new ulong[4096];
        flags.AsSpan(0, 1024).Fill(Slab);
        flags.AsSpan(1024, 512).Fill(Buddy);
        // 1536..2048 stays blank: never-initialised.
        flags.AsSpan(2048, 100).Fill(Lru | Active | Referenced);
        flags.AsSpan(2148, 100).Fill(Lru | Anon);
        flags.AsSpan(2248, 100).Fill(Lru);
        flags.AsSpan(2348, 1748).Fill(Slab);
        counts.AsSpan(0, 1024).Fill(1);
        File.WriteAllBytes(Path.Combine(ProcRoot, "kpageflags"), MemoryMarshal.AsBytes(flags.AsSpan()).ToArray());
        File.WriteAllBytes(Path.Combine(ProcRoot, "kpagecount"), MemoryMarshal.AsBytes(counts.AsSpan()).ToArray());
        File.WriteAllText(Path.Combine(ProcRoot, "iomem"), string.Create(CultureInfo.InvariantCulture,
            $"00001000-{3072 * 4096 - 1:x8} : System RAM\n{3584 * 4096:x8}-{4096 * 4096 - 1:x8} : System RAM\n"));
        File.WriteAllText(Path.Combine(ProcRoot, "meminfo"), "MemTotal:  14336 kB\nMemFree:    4096 kB\nActive:  400 kB\nInactive:  800 kB\nCached: 400 kB\nSlab: 4096 kB\nPageTables: 8 kB\n");
        File.WriteAllText(Path.Combine(ProcRoot, "vmstat"), "nr_free_pages 512\n");
        File.WriteAllText(Path.Combine(ProcRoot, "buddyinfo"), "Node 0, zone   Normal      0      0      0      0      0      0      0      0      0      1\n");
    }

    public string Root { get; }

    public string ProcRoot { get; }

    public string SysRoot { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
