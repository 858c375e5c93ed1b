using System.Globalization;
using GuestAssist.Guest.ProcFs;
using GuestAssist.Guest.Tests.Support;
using GuestAssist.Guest.Throttling;
using GuestAssist.Guest.Throttling.Cgroups;

namespace GuestAssist.Guest.Tests.Throttling;

/// <summary>
/// The cgroup actuators on this machine's real hierarchies (v1 cpu and freezer, v2 hybrid with cgroup.freeze):
/// the limit holds, the process and any child it forked go home on release and on a journal replay after a crash,
/// and nothing of the agent's cgroups is left behind.
/// </summary>
public sealed class CgroupActuatorTests : IDisposable
{
    private readonly string _journalPath = Path.Combine(Path.GetTempPath(), $"throttle-{Guid.NewGuid():N}.journal");

    public void Dispose() => File.Delete(_journalPath);

    [RootFact]
    public void A_cpu_limit_holds_a_busy_process_near_its_duty_and_release_sends_it_home()
    {
        var hierarchy = Hierarchy(CgroupController.Cpu);
        using var busy = ChildProcess.Busy();
        var home = hierarchy.CgroupOf(ProcFsPaths.Live, busy.Pid);
        var journal = new ThrottleJournal(_journalPath);
        using var limiter = new CgroupCpuLimiter(ProcFsPaths.Live, hierarchy, journal);
        limiter.Configure(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(98));
        limiter.Set(busy.Identity, 0.2);
        Assert.Contains(CgroupHierarchy.OwnDirectoryName, hierarchy.CgroupOf(ProcFsPaths.Live, busy.Pid), StringComparison.Ordinal);
        Assert.Equal(1, journal.Count);
        var share = CpuShare(busy, TimeSpan.FromSeconds(2));
        Assert.False(busy.IsStopped);
        limiter.Release(busy.Pid);
        Assert.Equal(home, hierarchy.CgroupOf(ProcFsPaths.Live, busy.Pid));
        Assert.Equal(0, journal.Count);
        Assert.Empty(Directory.EnumerateDirectories(hierarchy.OwnRoot, $"{busy.Pid}-*"));
        // The scheduler grants 20 ms of every 100 ms at most; a loaded machine can only give it less (but some).
        Assert.InRange(share, 0.02, 0.25);
    }

    [RootTheory]
    [InlineData(1)]
    [InlineData(2)]
    public void Freezing_duty_cycles_without_a_signal_stop_and_release_thaws_and_sends_home(int version)
    {
        var hierarchy = CgroupHierarchy.FindAll(ProcFsPaths.Live, CgroupController.Freezer).FirstOrDefault(h => h.Version == version)
            ?? throw new InvalidOperationException($"this machine has no cgroup v{version} freezer (it has v1 freezer and a v2 hybrid mount)");
        using var busy = ChildProcess.Busy();
        var home = hierarchy.CgroupOf(ProcFsPaths.Live, busy.Pid);
        var journal = new ThrottleJournal(_journalPath);
        using var cycler = new DutyCycler(journal, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(98), new FreezerPauser(ProcFsPaths.Live, hierarchy));
        cycler.Set(busy.Identity, 0.3);
        var share = CpuShare(busy, TimeSpan.FromSeconds(2));
        cycler.Release(busy.Pid);
        Assert.Equal(home, hierarchy.CgroupOf(ProcFsPaths.Live, busy.Pid));
        Assert.Equal(0, journal.Count);
        Assert.False(busy.IsStopped);
        var before = busy.CpuTicks;
        Thread.Sleep(300);
        Assert.True(busy.CpuTicks > before, "the process runs again after release");
        // Thawed 30 ms of every 100 ms at most; a loaded machine can only give it less (but some).
        Assert.InRange(share, 0.02, 0.4);
    }

    [RootFact]
    public void A_journal_replay_after_a_crash_sends_home_the_process_and_the_children_it_forked_meanwhile()
    {
        var hierarchy = Hierarchy(CgroupController.Cpu);
        // The shell forks its long sleep 0.5 s in: by then it sits in the agent's cgroup, and so does that child.
        using var parent = ChildProcess.Shell("sleep 0.5; sleep 60 & echo $! > /dev/null; wait");
        var home = hierarchy.CgroupOf(ProcFsPaths.Live, parent.Pid);
        var limiter = new CgroupCpuLimiter(ProcFsPaths.Live, hierarchy, new ThrottleJournal(_journalPath));
        limiter.Set(parent.Identity, 0.5);
        var own = Directory.EnumerateDirectories(hierarchy.OwnRoot, $"{parent.Pid}-*").Single();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (File.ReadAllLines(Path.Combine(own, "cgroup.procs")).Length < 2 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(50);
        }
        var members = File.ReadAllLines(Path.Combine(own, "cgroup.procs")).Select(l => int.Parse(l, CultureInfo.InvariantCulture)).ToList();
        Assert.True(members.Count >= 2, $"the child forked inside the agent's cgroup ({members.Count} member(s))");
        // The agent dies here: no Release, no Dispose. The sentinel (or the next agent) replays the journal.
        var resumed = ThrottleJournal.Replay(_journalPath, ProcFsPaths.Live);
        Assert.Equal(1, resumed);
        foreach (var pid in members)
        {
            Assert.Equal(home, hierarchy.CgroupOf(ProcFsPaths.Live, pid));
        }
        Assert.False(Directory.Exists(own));
        Assert.False(File.Exists(_journalPath));
        foreach (var pid in members.Where(p => p != parent.Pid))
        {
            System.Diagnostics.Process.GetProcessById(pid).Kill();
        }
    }

    [RootFact]
    public void A_process_that_exits_while_limited_leaves_nothing_behind()
    {
        var hierarchy = Hierarchy(CgroupController.Cpu);
        var busy = ChildProcess.Busy();
        var journal = new ThrottleJournal(_journalPath);
        using var limiter = new CgroupCpuLimiter(ProcFsPaths.Live, hierarchy, journal);
        var pid = busy.Pid;
        limiter.Set(busy.Identity, 0.5);
        busy.Dispose();
        limiter.Release(pid);
        Assert.Empty(Directory.EnumerateDirectories(hierarchy.OwnRoot, $"{pid}-*"));
        Assert.Equal(0, journal.Count);
    }

    private static CgroupHierarchy Hierarchy(CgroupController controller) =>
        CgroupHierarchy.Find(ProcFsPaths.Live, controller, out var reason) ?? throw new InvalidOperationException($"this machine has no {controller} hierarchy: {reason}");

    private static double CpuShare(ChildProcess process, TimeSpan over)
    {
        var ticks = process.CpuTicks;
        Thread.Sleep(over);
        return (process.CpuTicks - ticks) / 100.0 / over.TotalSeconds;
    }
}
