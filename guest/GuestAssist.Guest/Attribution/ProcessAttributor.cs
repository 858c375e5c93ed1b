using System.Globalization;
using System.Runtime.InteropServices;
using GuestAssist.Guest.Classification;
using GuestAssist.Guest.ProcFs;
using GuestAssist.Guest.Scanning;
using Microsoft.Win32.SafeHandles;

namespace GuestAssist.Guest.Attribution;

/// <summary>
/// Maps processes' present pages to frames: /proc/&lt;pid&gt;/smaps gives the mappings (those with no resident
/// pages are skipped), /proc/&lt;pid&gt;/pagemap the frame of each page (PFN bits need CAP_SYS_ADMIN). A process
/// that exits or denies access is counted and skipped; whatever it had contributed is taken back out.
/// The smaps and pagemap buffers and the entry array are reused across calls, and the owner index reads the
/// entry array itself, so a result's <see cref="AttributionResult.Owners"/> is valid until the next call (as a
/// scan result is until the next scan).
/// </summary>
public sealed class ProcessAttributor
{
    private const int OwnerBits = OwnerIndex.OwnerBits;
    private const int PagemapWords = 64 * 1024;

    private readonly ProcFsPaths _paths;
    private readonly ulong[] _pagemap = new ulong[PagemapWords];
    private readonly byte[] _smaps = new byte[ResidentMappings.BufferBytes];
    private readonly List<(ulong Start, ulong End)> _mappings = [];
    private ulong[] _entries = new ulong[64 * 1024];

    public ProcessAttributor(ProcFsPaths paths) => _paths = paths;

    /// <summary>Test hook: runs after a process's mappings are read and before its pagemap is walked.</summary>
    internal Action<int>? AfterMappingsRead { get; set; }

    /// <summary>Attributes the frames of <paramref name="pids"/> (all processes when null) against a scan.</summary>
    public AttributionResult Attribute(FrameScanResult scan, IEnumerable<int>? pids = null)
    {
        ArgumentNullException.ThrowIfNull(scan);
        return WalkAll(scan, pids);
    }

    /// <summary>
    /// Frame → owner for <paramref name="pids"/> (all processes when null), without per-class counts: no frame scan
    /// is needed, so attributing the host's dirty log costs a walk of the processes' pagemaps, not a read of every
    /// frame's flags. Valid until the next call, as <see cref="Attribute"/>'s index is.
    /// </summary>
    public OwnerIndex Owners(IEnumerable<int>? pids = null) => WalkAll(scan: null, pids).Owners;

    private AttributionResult WalkAll(FrameScanResult? scan, IEnumerable<int>? pids)
    {
        var targets = (pids ?? ListPids()).Distinct().Order().ToList();
        var processes = new List<ProcessFrames>();
        var entryCount = 0;
        int walked = 0, vanished = 0, denied = 0;
        var pfnsHidden = false;
        foreach (var pid in targets)
        {
            if (processes.Count >= 1 << OwnerBits)
            {
                break;
            }
            var mark = entryCount;
            var outcome = Walk(pid, processes.Count, ref entryCount, out var frames);
            if (outcome == WalkOutcome.Walked && !Directory.Exists(_paths.ProcessDirectory(pid)))
            {
                outcome = WalkOutcome.Vanished;
            }
            switch (outcome)
            {
                case WalkOutcome.Walked:
                    walked++;
                    if (frames is not null && (frames.Frames > 0 || frames.HiddenFrames > 0))
                    {
                        pfnsHidden |= frames.HiddenFrames > 0 && frames.Frames == 0;
                        processes.Add(frames);
                    }
                    else
                    {
                        entryCount = mark;
                    }
                    break;
                case WalkOutcome.Vanished:
                    vanished++;
                    entryCount = mark;
                    break;
                default:
                    denied++;
                    entryCount = mark;
                    break;
            }
        }

        var entries = _entries.AsSpan(0, entryCount);
        entries.Sort();
        if (scan is not null)
        {
            CountClasses(scan, entries, processes);
        }
        // One entry per frame, in place: sorted by frame then owner, so the first process walked keeps it.
        var unique = 0;
        foreach (var entry in entries)
        {
            if (unique > 0 && _entries[unique - 1] >> OwnerBits == entry >> OwnerBits)
            {
                continue;
            }
            _entries[unique++] = entry;
        }
        var ownerList = processes.Select(p => p.Owner).ToList();
        var index = new OwnerIndex(_entries, unique, ownerList);
        var ranked = processes.OrderByDescending(p => p.Frames).ThenBy(p => p.Pid).ToList();
        return new AttributionResult(ranked, index, walked, vanished, denied, pfnsHidden);
    }

    private static void CountClasses(FrameScanResult scan, ReadOnlySpan<ulong> sortedEntries, List<ProcessFrames> processes)
    {
        var runs = scan.Runs;
        if (runs.RunCount == 0)
        {
            return;
        }
        var run = 0;
        foreach (var entry in sortedEntries)
        {
            var pfn = entry >> OwnerBits;
            var owner = (int)(entry & ((1UL << OwnerBits) - 1));
            while (run + 1 < runs.RunCount && runs.RunStart(run + 1) <= pfn)
            {
                run++;
            }
            var code = pfn < runs.NextGfn ? runs.RunCode(run) : FrameCode.Of(Protocol.V1.PageClass.Unbacked);
            if (FrameCode.ClassOf(code) == Protocol.V1.PageClass.Free)
            {
                // Free when scanned, mapped when walked: allocated in between (the agent's own heap, often).
                processes[owner].AllocatedSinceScan++;
            }
            else
            {
                processes[owner].Counts.Add(code, 1);
            }
        }
    }

    private enum WalkOutcome
    {
        Walked,
        Vanished,
        Denied,
    }

    private WalkOutcome Walk(int pid, int ownerIndex, ref int entryCount, out ProcessFrames? frames)
    {
        frames = null;
        try
        {
            ResidentMappings.Read(_paths, pid, _mappings, _smaps);
            var mappings = _mappings;
            AfterMappingsRead?.Invoke(pid);
            var owner = new ProcessOwner(pid, ReadCommand(pid), ReadCgroup(pid));
            frames = new ProcessFrames(owner);
            if (mappings.Count == 0)
            {
                // Kernel threads and zombies have no address space (their pagemap refuses to open: ESRCH).
                return WalkOutcome.Walked;
            }
            using var pagemap = File.OpenHandle(_paths.ProcessFile(pid, "pagemap"), FileMode.Open, FileAccess.Read);
            foreach (var (start, end) in mappings)
            {
                if (!WalkRange(pagemap, start, end, ownerIndex, frames, ref entryCount))
                {
                    return WalkOutcome.Vanished;
                }
            }
            return WalkOutcome.Walked;
        }
        catch (UnauthorizedAccessException)
        {
            return WalkOutcome.Denied;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return WalkOutcome.Vanished;
        }
        catch (IOException)
        {
            // ESRCH and friends: the process went away while we read it.
            return Directory.Exists(_paths.ProcessDirectory(pid)) ? WalkOutcome.Denied : WalkOutcome.Vanished;
        }
    }

    /// <returns>false when the pagemap ended early (the address space is gone).</returns>
    private bool WalkRange(SafeFileHandle pagemap, ulong startPage, ulong endPage, int ownerIndex, ProcessFrames frames, ref int entryCount)
    {
        for (var page = startPage; page < endPage; page += PagemapWords)
        {
            var words = (int)Math.Min(PagemapWords, endPage - page);
            var span = _pagemap.AsSpan(0, words);
            var read = RandomAccess.Read(pagemap, MemoryMarshal.AsBytes(span), (long)page * sizeof(ulong));
            if (read < words * sizeof(ulong))
            {
                return false;
            }
            foreach (var entry in span)
            {
                if ((entry & PagemapEntry.Present) == 0)
                {
                    continue;
                }
                var pfn = entry & PagemapEntry.PfnMask;
                if (pfn == 0)
                {
                    frames.HiddenFrames++;
                    continue;
                }
                frames.Frames++;
                if (entryCount == _entries.Length)
                {
                    Array.Resize(ref _entries, _entries.Length * 2);
                }
                _entries[entryCount++] = (pfn << OwnerBits) | (uint)ownerIndex;
            }
        }
        return true;
    }

    /// <summary>Page ranges [start, end) of mappings whose smaps "Rss" is not zero.</summary>
    private string ReadCommand(int pid)
    {
        try
        {
            return File.ReadAllText(_paths.ProcessFile(pid, "comm")).TrimEnd('\n');
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>The memory controller's cgroup (v1), else the unified hierarchy's (v2).</summary>
    private string ReadCgroup(int pid)
    {
        try
        {
            string? unified = null;
            foreach (var line in File.ReadLines(_paths.ProcessFile(pid, "cgroup")))
            {
                var parts = line.Split(':', 3);
                if (parts.Length < 3)
                {
                    continue;
                }
                if (parts[1].Split(',').Contains("memory"))
                {
                    return parts[2];
                }
                if (parts[0] == "0")
                {
                    unified = parts[2];
                }
            }
            return unified ?? "";
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>
    /// Pids of a named service: processes whose command is <paramref name="service"/> or whose cgroup path has a
    /// segment equal to it (e.g. "nginx.service"), so the planner can favour that service's frames.
    /// </summary>
    public IReadOnlyList<int> FindService(string service)
    {
        var pids = new List<int>();
        foreach (var pid in ListPids())
        {
            if (ReadCommand(pid) == service || ReadCgroup(pid).Split('/').Contains(service))
            {
                pids.Add(pid);
            }
        }
        return pids;
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
}
