using System.Diagnostics;
using System.Runtime.InteropServices;
using GuestAssist.Guest.ProcFs;
using GuestAssist.Guest.Throttling.Cgroups;
using GuestAssist.Linux.Processes;

namespace GuestAssist.IntegrationTests.AgentProtocol.Support;

/// <summary>A perl child holding 64 MiB; its frames are what the "host dirty log" reports.</summary>
internal sealed class Rogue : IDisposable
{
    private readonly Process _process;

    public Rogue()
    {
        var start = new ProcessStartInfo("perl") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("-e");
        start.ArgumentList.Add("my $x = 'a' x (64 << 20); $| = 1; print \"ready\\n\"; <STDIN>;");
        _process = Process.Start(start)!;
        _ = _process.StandardOutput.ReadLine();
        HomeCgroups = Cgroups;
    }

    public int Pid => _process.Id;

    /// <summary>/proc/PID/cgroup when it started: where every release must send it back.</summary>
    public string HomeCgroups { get; }

    public string Cgroups => File.ReadAllText($"/proc/{Pid}/cgroup");

    /// <summary>State 'T' or 't' in /proc/PID/stat: stopped by a signal (or traced).</summary>
    public bool IsStopped
    {
        get
        {
            var stat = File.ReadAllText($"/proc/{Pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] is 'T' or 't';
        }
    }

    /// <summary>The cgroup that holds it frozen (v2 cgroup.events "frozen 1", v1 freezer.state not THAWED); null when none does.</summary>
    public string? FrozenCgroup
    {
        get
        {
            foreach (var hierarchy in CgroupHierarchy.FindAll(ProcFsPaths.Live, CgroupController.Freezer))
            {
                if (hierarchy.CgroupOf(ProcFsPaths.Live, Pid) is not { } cgroup)
                {
                    continue;
                }
                var directory = hierarchy.PathOf(cgroup);
                if (IsFrozen(directory, hierarchy.Version))
                {
                    return directory;
                }
            }
            return null;
        }
    }

    private static bool IsFrozen(string directory, int version)
    {
        try
        {
            return version == 2
                ? File.ReadAllLines(Path.Combine(directory, "cgroup.events")).Contains("frozen 1")
                : File.ReadAllText(Path.Combine(directory, "freezer.state")).Trim() != "THAWED";
        }
        catch (IOException)
        {
            return false; // removed as it was read (ENOENT, ENODEV): the agent sent it home, and the next look reads that
        }
    }

    /// <summary>Why it is not free to run right now (stopped, frozen, away from home); null when it is.</summary>
    public string? WhyHeld()
    {
        if (IsStopped)
        {
            return "in state T (stopped)";
        }
        if (FrozenCgroup is { } frozen)
        {
            return $"frozen in {frozen}";
        }
        return Cgroups == HomeCgroups ? null : $"not home: /proc/{Pid}/cgroup is {Cgroups.ReplaceLineEndings(" ")}";
    }

    /// <summary>The frames of its exclusively mapped resident pages, as (first, count) runs.</summary>
    public List<(ulong FirstGfn, ulong Count)> FrameRuns()
    {
        var pfns = new List<ulong>(1 << 15);
        using var pagemap = File.OpenHandle($"/proc/{Pid}/pagemap");
        var buffer = new ulong[4096];
        foreach (var line in File.ReadLines($"/proc/{Pid}/maps"))
        {
            var range = line[..line.IndexOf(' ')].Split('-');
            var start = Convert.ToUInt64(range[0], 16) / 4096;
            var end = Convert.ToUInt64(range[1], 16) / 4096;
            if (end > 1UL << 35)
            {
                continue;
            }
            for (var page = start; page < end; page += (ulong)buffer.Length)
            {
                var count = (int)Math.Min((ulong)buffer.Length, end - page);
                var read = RandomAccess.Read(pagemap, MemoryMarshal.AsBytes(buffer.AsSpan(0, count)), (long)page * 8) / 8;
                foreach (var entry in buffer.AsSpan(0, read))
                {
                    // Present and mapped by this process alone: what a host dirty log would see it write.
                    if ((entry >> 63) != 0 && ((entry >> 56) & 1) != 0 && (entry & ((1UL << 55) - 1)) is var pfn and not 0)
                    {
                        pfns.Add(pfn);
                    }
                }
            }
        }
        pfns.Sort();
        var runs = new List<(ulong, ulong)>();
        foreach (var pfn in pfns)
        {
            if (runs.Count > 0 && runs[^1].Item1 + runs[^1].Item2 > pfn)
            {
                continue; // listed twice
            }
            if (runs.Count > 0 && runs[^1].Item1 + runs[^1].Item2 == pfn)
            {
                runs[^1] = (runs[^1].Item1, runs[^1].Item2 + 1);
            }
            else
            {
                runs.Add((pfn, 1));
            }
        }
        return runs;
    }

    public void Dispose()
    {
        ProcessSignals.Continue(Pid);
        _process.Kill();
        _process.WaitForExit();
        _process.Dispose();
    }
}
