using GuestAssist.Guest.ProcFs;
using GuestAssist.Guest.Throttling;

namespace GuestAssist.Guest.Tests.Throttling;

/// <summary>Real processes, real signals: throttling duty-cycles only the rogue and never leaves anything stopped.</summary>
public sealed class ThrottlerTests : IDisposable
{
    private const double MiB = 1024 * 1024;

    private readonly string _directory = Directory.CreateTempSubdirectory("ga-throttle-").FullName;

    private string JournalPath => Path.Combine(_directory, "throttle.journal");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Duty_cycling_runs_a_busy_rogue_about_its_duty_and_release_lets_it_run()
    {
        using var rogue = ChildProcess.Busy();
        using var cycler = new DutyCycler(new ThrottleJournal(JournalPath), TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(90));
        Thread.Sleep(200);
        var before = rogue.CpuTicks;
        cycler.Set(rogue.Identity, 0.25);
        Thread.Sleep(2000);
        var share = (rogue.CpuTicks - before) / (2.0 * 100);
        var stoppedSeen = Enumerable.Range(0, 50).Any(_ =>
        {
            Thread.Sleep(7);
            return rogue.IsStopped;
        });

        cycler.Release(rogue.Pid);
        Thread.Sleep(50);

        Assert.True(stoppedSeen, "the rogue should be seen stopped part of the time");
        Assert.InRange(share, 0.05, 0.6);
        Assert.False(rogue.IsStopped);
        Assert.False(File.Exists(JournalPath), "a released process leaves the journal");
    }

    [Fact]
    public void Duties_changed_mid_period_never_leave_processes_running_for_the_rest_of_it()
    {
        // Found by bench-throttle: a change that woke the cycler mid-period used to skip the remaining stops and
        // then sleep out the period with those processes running.
        using var a = ChildProcess.Busy();
        using var b = ChildProcess.Busy();
        using var cycler = new DutyCycler(new ThrottleJournal(JournalPath), TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(196));
        cycler.Set(a.Identity, 0.02);
        cycler.Set(b.Identity, 0.02);
        Thread.Sleep(300);
        var (a0, b0) = (a.CpuTicks, b.CpuTicks);
        for (var i = 0; i < 20; i++)
        {
            var duty = i % 2 == 0 ? 0.03 : 0.02;
            cycler.Set(a.Identity, duty);
            cycler.Set(b.Identity, duty);
            Thread.Sleep(100);
        }
        var shareA = (a.CpuTicks - a0) / 200.0;
        var shareB = (b.CpuTicks - b0) / 200.0;

        Assert.True(shareA < 0.3 && shareB < 0.3, $"CPU shares {shareA:F2} and {shareB:F2} at duties of 2-3%");
    }

    [Fact]
    public void Protected_processes_are_never_touched_whatever_they_dirty()
    {
        using var child = ChildProcess.Sleeping();
        using var throttler = new Throttler(ProcFsPaths.Live, new ThrottleJournal(JournalPath), new ProtectionPolicy(commands: ["sleep"]));
        throttler.Apply(new ThrottlePolicy(MiB, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(40), [], [], []));

        throttler.Observe([new(1, 10_000 * MiB, "test"), new(Environment.ProcessId, 10_000 * MiB, "test"), new(child.Pid, 10_000 * MiB, "test"), new(2, 10_000 * MiB, "test")]);

        Assert.Empty(throttler.Status());
        Assert.Equal("init", throttler.Skipped[1]);
        Assert.Equal("the agent itself", throttler.Skipped[Environment.ProcessId]);
        Assert.Equal("command sleep is protected", throttler.Skipped[child.Pid]);
        Assert.Equal("a kernel thread", throttler.Skipped[2]);
    }

    [Fact]
    public void A_journal_left_by_a_crashed_agent_continues_its_processes_when_replayed()
    {
        using var child = ChildProcess.Sleeping();
        var journal = new ThrottleJournal(JournalPath);
        journal.Add(child.Identity);
        GuestAssist.Linux.Processes.ProcessSignals.Stop(child.Pid);
        Thread.Sleep(50);
        Assert.True(child.IsStopped);

        var resumed = ThrottleJournal.Replay(JournalPath, ProcFsPaths.Live);

        Thread.Sleep(50);
        Assert.Equal(1, resumed);
        Assert.False(child.IsStopped);
        Assert.False(File.Exists(JournalPath));
    }

    [Fact]
    public void A_journal_entry_whose_pid_now_names_another_process_is_not_signalled()
    {
        using var child = ChildProcess.Sleeping();
        var stale = new ProcessIdentity(child.Pid, child.Identity.StartTicks + 1);
        var journal = new ThrottleJournal(JournalPath);
        journal.Add(stale);
        GuestAssist.Linux.Processes.ProcessSignals.Stop(child.Pid);

        Assert.Equal(0, ThrottleJournal.Replay(JournalPath, ProcFsPaths.Live));
        Thread.Sleep(50);
        Assert.True(child.IsStopped, "a reused pid belongs to someone else: not ours to continue");
    }

    [Fact]
    public void Two_hundred_random_sessions_end_in_every_way_and_leave_nothing_stopped()
    {
        var children = Enumerable.Range(0, 4).Select(_ => ChildProcess.Sleeping()).ToList();
        try
        {
            var random = new Random(20261201);
            for (var run = 0; run < 200; run++)
            {
                var throttler = new Throttler(ProcFsPaths.Live, new ThrottleJournal(JournalPath), new ProtectionPolicy());
                throttler.Apply(new ThrottlePolicy(MiB * random.Next(1, 50), TimeSpan.FromMilliseconds(random.Next(5, 40)), TimeSpan.FromMilliseconds(random.Next(3, 30)), [], [], []));
                for (var window = random.Next(1, 4); window > 0; window--)
                {
                    throttler.Observe([.. children.Select(c => new DirtyRateSample(c.Pid, MiB * random.Next(0, 2000), "random"))]);
                    Thread.Sleep(random.Next(0, 15));
                }
                switch (random.Next(4))
                {
                    case 0:
                        throttler.ReleaseAll();
                        throttler.Dispose();
                        break;
                    case 1:
                        throttler.Release([.. children.Select(c => c.Pid)]);
                        throttler.Dispose();
                        break;
                    case 2:
                        throttler.Dispose();
                        break;
                    default:
                        // The agent "crashes": nothing is released in-process; a restart replays the journal.
                        ThrottleJournal.Replay(JournalPath, ProcFsPaths.Live);
                        throttler.Dispose();
                        break;
                }
                Thread.Sleep(2);
                var stopped = children.Where(c => c.IsStopped).Select(c => c.Pid).ToList();
                Assert.True(stopped.Count == 0, $"run {run}: {string.Join(", ", stopped)} left stopped");
            }
        }
        finally
        {
            children.ForEach(c => c.Dispose());
        }
    }
}
