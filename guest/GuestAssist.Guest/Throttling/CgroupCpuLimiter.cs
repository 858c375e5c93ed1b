using GuestAssist.Guest.ProcFs;
using GuestAssist.Guest.Throttling.Cgroups;
using GuestAssist.Linux.KernelFiles;

namespace GuestAssist.Guest.Throttling;

/// <summary>
/// Holds a process to its duty with the kernel's CPU bandwidth control instead of signals: the process moves into
/// its own cgroup under <see cref="CgroupHierarchy.OwnRoot"/> (journalled first, with its home) whose quota is
/// duty × period × the CPUs it keeps busy, sampled for 100 ms before it moves (v2 cpu.max "quota period"; v1
/// cpu.cfs_quota_us and cpu.cfs_period_us): counting threads instead would double a .NET or JVM rogue's share.
/// The scheduler enforces it every period, so no pause outlasts the period and nothing is ever stopped; a dirtier
/// bound by CPU dirties in proportion. Release moves it (and any child it forked meanwhile) home.
/// </summary>
public sealed class CgroupCpuLimiter : IThrottleActuator
{
    private static readonly TimeSpan MinimumQuota = TimeSpan.FromMilliseconds(1);

    private readonly ProcFsPaths _paths;
    private readonly CgroupHierarchy _hierarchy;
    private readonly ThrottleJournal _journal;
    private readonly Lock _lock = new();
    private readonly Dictionary<int, (ProcessIdentity Process, double Duty, CgroupPlacement Placement)> _targets = [];
    private readonly Dictionary<int, int> _busyCpus = [];
    private TimeSpan _period = ThrottlePolicy.DefaultPeriod;

    public CgroupCpuLimiter(ProcFsPaths paths, CgroupHierarchy hierarchy, ThrottleJournal journal)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(hierarchy);
        ArgumentNullException.ThrowIfNull(journal);
        if (hierarchy.Controller != CgroupController.Cpu)
        {
            throw new ArgumentException("a cpu hierarchy is needed", nameof(hierarchy));
        }
        _paths = paths;
        _hierarchy = hierarchy;
        _journal = journal;
    }

    public string Name => $"cgroup-v{_hierarchy.Version}-cpu";

    public void Configure(TimeSpan period, TimeSpan maxStop)
    {
        if (period <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(period), "the period must be positive");
        }
        // CFS bandwidth periods run from 1 ms to 1 s.
        var bounded = TimeSpan.FromTicks(Math.Clamp(period.Ticks, TimeSpan.FromMilliseconds(1).Ticks, TimeSpan.FromSeconds(1).Ticks));
        List<(ProcessIdentity Process, double Duty, CgroupPlacement Placement)> targets;
        lock (_lock)
        {
            _period = bounded;
            targets = [.. _targets.Values];
        }
        foreach (var (process, duty, placement) in targets)
        {
            WriteLimit(placement, process.Pid, duty);
        }
    }

    public void Set(ProcessIdentity process, double duty)
    {
        if (duty >= 1)
        {
            Release(process.Pid);
            return;
        }
        if (duty <= 0 || double.IsNaN(duty))
        {
            throw new ArgumentOutOfRangeException(nameof(duty), duty, "a duty is in (0, 1]");
        }
        lock (_lock)
        {
            if (_targets.TryGetValue(process.Pid, out var current) && current.Process == process)
            {
                if (Math.Abs(current.Duty - duty) >= 1e-3)
                {
                    WriteLimit(current.Placement, process.Pid, duty);
                    _targets[process.Pid] = (process, duty, current.Placement);
                }
                return;
            }
            var home = _hierarchy.CgroupOf(_paths, process.Pid) ?? throw new IOException($"process {process.Pid} is gone");
            _busyCpus[process.Pid] = BusyCpus(process.Pid);
            var placement = CgroupPlacement.Prepare(_hierarchy, home, process);
            _journal.Add(process, placement);
            try
            {
                WriteLimit(placement, process.Pid, duty);
                placement.MoveIn(process.Pid);
            }
            catch (IOException)
            {
                placement.Restore();
                _journal.Remove(process.Pid);
                throw;
            }
            _targets[process.Pid] = (process, duty, placement);
        }
    }

    public double? DutyOf(int pid)
    {
        lock (_lock)
        {
            return _targets.TryGetValue(pid, out var t) ? t.Duty : null;
        }
    }

    public IReadOnlyList<(ProcessIdentity Process, double Duty)> Targets()
    {
        lock (_lock)
        {
            return [.. _targets.Values.Select(t => (t.Process, t.Duty))];
        }
    }

    public void Release(int pid)
    {
        CgroupPlacement? placement = null;
        lock (_lock)
        {
            if (_targets.Remove(pid, out var target))
            {
                placement = target.Placement;
            }
            _busyCpus.Remove(pid);
        }
        if (placement is not null)
        {
            placement.Restore();
            _journal.Remove(pid);
        }
    }

    public int ReleaseAll()
    {
        List<int> pids;
        lock (_lock)
        {
            pids = [.. _targets.Keys];
        }
        foreach (var pid in pids)
        {
            Release(pid);
        }
        return pids.Count;
    }

    public void Dispose() => ReleaseAll();

    private void WriteLimit(CgroupPlacement placement, int pid, double duty)
    {
        var period = _period;
        var quota = TimeSpan.FromTicks(Math.Max(MinimumQuota.Ticks, (long)(period.Ticks * duty * _busyCpus.GetValueOrDefault(pid, 1))));
        var periodUs = (long)period.TotalMicroseconds;
        var quotaUs = (long)quota.TotalMicroseconds;
        if (_hierarchy.Version == 2)
        {
            KernelFile.Write(Path.Combine(placement.OwnDirectory, "cpu.max"), Ascii($"{quotaUs} {periodUs}"));
        }
        else
        {
            // Period first: the kernel refuses a quota above what the current period allows only in nested limits, never here.
            KernelFile.Write(Path.Combine(placement.OwnDirectory, "cpu.cfs_period_us"), Ascii($"{periodUs}"));
            KernelFile.Write(Path.Combine(placement.OwnDirectory, "cpu.cfs_quota_us"), Ascii($"{quotaUs}"));
        }
    }

    /// <summary>How many CPUs the process keeps busy, over 100 ms (at least 1, at most the machine's).</summary>
    private int BusyCpus(int pid)
    {
        var before = CpuTicks(pid);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Thread.Sleep(100);
        var after = CpuTicks(pid);
        if (before is null || after is null)
        {
            return 1;
        }
        var cpus = (after.Value - before.Value) / 100.0 / watch.Elapsed.TotalSeconds; // USER_HZ is 100 on Linux
        return Math.Clamp((int)Math.Round(cpus), 1, Environment.ProcessorCount);
    }

    /// <summary>utime + stime of the whole process, in clock ticks; null when it is gone.</summary>
    private long? CpuTicks(int pid) => ProcessIdentity.TryRead(_paths, pid, out _, out var stat) ? stat.CpuTicks : null;

    private static byte[] Ascii(FormattableString text) => System.Text.Encoding.ASCII.GetBytes(FormattableString.Invariant(text));
}
