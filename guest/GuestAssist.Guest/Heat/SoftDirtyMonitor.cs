using System.Globalization;
using System.Runtime.InteropServices;
using GuestAssist.Guest.Attribution;
using GuestAssist.Guest.ProcFs;
using GuestAssist.Linux.KernelFiles;
using GuestAssist.Protocol.V1;
using Microsoft.Win32.SafeHandles;

namespace GuestAssist.Guest.Heat;

/// <summary>
/// Write heat from soft-dirty bits (CONFIG_MEM_SOFT_DIRTY): writes "4" to every process's clear_refs, waits one
/// window, then walks the pagemap of each process's resident mappings and marks the frame of every present,
/// soft-dirty page. Reads do
/// not show; pages a process faults in during the window count as written (they are new). Also counts
/// written pages per process, the dirty rate the throttler needs. The agent's own pages are left out.
/// </summary>
public sealed class SoftDirtyMonitor : IHeatMonitor
{
    private const int PagemapWords = 16 * 1024;

    private readonly ProcFsPaths _paths;
    private readonly HeatHistory _history;
    private readonly Func<TimeSpan, CancellationToken, Task> _delay;
    private readonly ulong[] _pagemap = new ulong[PagemapWords];
    private readonly List<ProcessWrites> _writes = [];

    public SoftDirtyMonitor(ProcFsPaths paths, ulong frames, Func<TimeSpan, CancellationToken, Task>? delay = null)
    {
        _paths = paths;
        _history = new HeatHistory(frames);
        _delay = delay ?? Task.Delay;
    }

    public HeatMethod Method => HeatMethod.SoftDirty;

    public string Cost =>
        "clear_refs write-protects every process's pages once per window: one minor fault on each page's first write after it; "
        + "the agent reads 8 bytes of pagemap per resident page";

    /// <summary>Pages each process wrote in the latest window.</summary>
    public IReadOnlyList<ProcessWrites> LatestWrites => _writes;

    /// <summary>True when this kernel has soft-dirty (the VmFlags of smaps show "sd").</summary>
    public static bool IsSupported(ProcFsPaths paths)
    {
        try
        {
            foreach (var line in File.ReadLines(paths.SelfSmaps))
            {
                if (line.StartsWith("VmFlags:", StringComparison.Ordinal))
                {
                    return line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains("sd");
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return false;
    }

    public async Task<WorkingSet> SampleAsync(TimeSpan window, CancellationToken cancellationToken = default)
    {
        var self = Environment.ProcessId;
        var cpuAtStart = Environment.CpuUsage.TotalTime;
        var cleared = new List<int>();
        foreach (var pid in ListPids())
        {
            if (pid != self && TryClearSoftDirty(_paths.ProcessFile(pid, "clear_refs")))
            {
                cleared.Add(pid);
            }
        }
        var cpuAfterClear = Environment.CpuUsage.TotalTime;
        await _delay(window, cancellationToken).ConfigureAwait(false);
        var cpuAfterWait = Environment.CpuUsage.TotalTime;
        _history.BeginWindow();
        _writes.Clear();
        foreach (var pid in cleared)
        {
            var pages = MarkWritten(pid);
            if (pages > 0)
            {
                _writes.Add(new ProcessWrites(pid, pages, window));
            }
        }
        _history.EndWindow();
        return new WorkingSet(HeatMethod.SoftDirty, _history.Now, _history.Recent, window,
            $"soft-dirty: pages written in a {window.TotalSeconds:0.#} s window by {cleared.Count} processes (reads do not show); "
            + $"agent CPU {(cpuAfterClear - cpuAtStart).TotalMilliseconds:0} ms clearing, {(cpuAfterWait - cpuAfterClear).TotalMilliseconds:0} ms waiting, "
            + $"{(Environment.CpuUsage.TotalTime - cpuAfterWait).TotalMilliseconds:0} ms reading pagemaps", Cost);
    }

    public void Dispose()
    {
    }

    private ulong MarkWritten(int pid)
    {
        ulong written = 0;
        try
        {
            var mappings = ResidentMappings.Read(_paths, pid);
            if (mappings.Count == 0)
            {
                return 0;
            }
            using var pagemap = File.OpenHandle(_paths.ProcessFile(pid, "pagemap"), FileMode.Open, FileAccess.Read);
            foreach (var (start, end) in mappings)
            {
                if (end <= 1UL << 35)
                {
                    written += MarkRange(pagemap, start, end);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The process exited or hid its pages: what it wrote is unknown, not an error.
        }
        return written;
    }

    private ulong MarkRange(SafeFileHandle pagemap, ulong firstPage, ulong endPage)
    {
        ulong written = 0;
        var bytes = MemoryMarshal.AsBytes(_pagemap.AsSpan());
        for (var page = firstPage; page < endPage;)
        {
            var count = (int)Math.Min((ulong)PagemapWords, endPage - page);
            int read;
            try
            {
                read = RandomAccess.Read(pagemap, bytes[..(count * sizeof(ulong))], (long)(page * sizeof(ulong))) / sizeof(ulong);
            }
            catch (IOException)
            {
                return written;
            }
            if (read <= 0)
            {
                return written;
            }
            foreach (var entry in _pagemap.AsSpan(0, read))
            {
                if ((entry & (PagemapEntry.Present | PagemapEntry.SoftDirty)) == (PagemapEntry.Present | PagemapEntry.SoftDirty))
                {
                    var pfn = entry & PagemapEntry.PfnMask;
                    if (pfn != 0)
                    {
                        _history.Set(pfn);
                        written++;
                    }
                }
            }
            page += (ulong)read;
        }
        return written;
    }

    private IEnumerable<int> ListPids()
    {
        foreach (var directory in Directory.EnumerateDirectories(_paths.ProcRoot))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                yield return pid;
            }
        }
    }

    private static bool TryClearSoftDirty(string clearRefs)
    {
        try
        {
            KernelFile.Write(clearRefs, "4"u8);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
