using System.Globalization;
using System.Runtime.InteropServices;
using GuestAssist.Guest.ProcFs;

namespace GuestAssist.Guest.Tests.Support;

/// <summary>
/// A throwaway /proc + /sys tree: kpageflags/kpagecount as binary u64 arrays, iomem and the counter files
/// as text. Frames not set explicitly read flags 0, count 0.
/// </summary>
public sealed class FixtureProcFs : IDisposable
{
    private readonly ulong[] _flags;
    private readonly ulong[] _counts;

    public FixtureProcFs(int frames)
    {
        Root = Path.Combine(Path.GetTempPath(), "ga-guest-fixture-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(Root, "proc"));
        Directory.CreateDirectory(Path.Combine(Root, "sys"));
        _flags = new ulong[frames];
        _counts = new ulong[frames];
        Paths = new ProcFsPaths(Path.Combine(Root, "proc"), Path.Combine(Root, "sys"));
        SetRam((0, (ulong)frames));
        WriteText("meminfo", "MemTotal:       1024 kB\nActive:          0 kB\nInactive:        0 kB\n");
        WriteText("vmstat", "nr_free_pages 0\n");
        WriteText("buddyinfo", "Node 0, zone   Normal      0      0\n");
    }

    public string Root { get; }

    public ProcFsPaths Paths { get; }

    public int Frames => _flags.Length;

    public void Set(ulong pfn, ulong flags, ulong count = 0)
    {
        _flags[pfn] = flags;
        _counts[pfn] = count;
    }

    public void Fill(ulong start, ulong length, ulong flags, ulong count = 0)
    {
        _flags.AsSpan((int)start, (int)length).Fill(flags);
        _counts.AsSpan((int)start, (int)length).Fill(count);
    }

    /// <summary>Writes iomem with these "System RAM" PFN ranges (end exclusive).</summary>
    public void SetRam(params (ulong Start, ulong End)[] ranges)
    {
        var text = string.Concat(ranges.Select(r =>
            string.Create(CultureInfo.InvariantCulture, $"{r.Start * 4096:x8}-{r.End * 4096 - 1:x8} : System RAM\n  {r.Start * 4096:x8}-{r.Start * 4096 + 4095:x8} : Kernel code\n")));
        WriteText("iomem", "00000000-00000fff : Reserved\n" + text);
    }

    /// <summary>Writes the binary files; <paramref name="maxPfn"/> truncates them like a kernel with fewer struct pages.</summary>
    public void Write(int? maxPfn = null)
    {
        var frames = maxPfn ?? Frames;
        File.WriteAllBytes(Paths.KPageFlags, MemoryMarshal.AsBytes(_flags.AsSpan(0, frames)).ToArray());
        File.WriteAllBytes(Paths.KPageCount, MemoryMarshal.AsBytes(_counts.AsSpan(0, frames)).ToArray());
    }

    public void WriteText(string name, string text) => File.WriteAllText(Path.Combine(Paths.ProcRoot, name), text);

    public string CreateIdleBitmap()
    {
        var path = Paths.PageIdleBitmap;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, new byte[(Frames + 63) / 64 * 8]);
        return path;
    }

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
