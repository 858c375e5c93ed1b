using System.Diagnostics;
using GuestAssist.Agent.Serving;
using GuestAssist.Guest.ProcFs;
using GuestAssist.Host.Agent;
using GuestAssist.IntegrationTests.AgentProtocol.Support;
using GuestAssist.Protocol.V1;

namespace GuestAssist.IntegrationTests.AgentProtocol;

/// <summary>
/// Invariant 3 over the wire: the host's dirty log (DirtyFrames of a rogue's real frames) makes the agent throttle
/// the rogue, and every way a session can end — EndEviction, ReleaseThrottle, the host disconnecting, heartbeat
/// loss, the agent killed by SIGKILL — leaves it running.
/// </summary>
public sealed class ThrottlingTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly Rogue _rogue = new();

    public void Dispose()
    {
        _rogue.Dispose();
        _directory.Dispose();
    }

    [KPageFlagsFact]
    public async Task A_rogue_named_by_the_hosts_dirty_log_is_throttled_and_EndEviction_releases_it()
    {
        await using var agent = await StartAgentAsync();
        await using var client = await agent.ConnectAsync(SlowScans);
        var session = await ThrottleRogueAsync(client);
        var live = await System.Reactive.Threading.Tasks.TaskObservableExtensions.ToTask(System.Reactive.Linq.Observable.FirstAsync(client.ThrottleUpdates(TimeSpan.FromMilliseconds(100))));

        var ended = await client.EndEvictionAsync(session, succeeded: true);

        var shown = Assert.Single(live.Processes);
        Assert.Equal(_rogue.Pid, shown.Pid);
        Assert.Equal("host dirty log", shown.Method);

        Assert.Equal(1u, ended.ReleasedProcesses);
        AssertRunning();
        Assert.False(File.Exists(JournalPath));
    }

    [KPageFlagsFact]
    public async Task ReleaseThrottle_continues_the_rogue()
    {
        await using var agent = await StartAgentAsync();
        await using var client = await agent.ConnectAsync(SlowScans);
        var session = await ThrottleRogueAsync(client);

        var status = await client.ReleaseThrottleAsync(session, [_rogue.Pid]);

        Assert.Empty(status.Processes);
        AssertRunning();
    }

    [KPageFlagsFact]
    public async Task The_host_disconnecting_releases_the_rogue()
    {
        await using var agent = await StartAgentAsync();
        var client = await agent.ConnectAsync(SlowScans);
        await ThrottleRogueAsync(client);

        await client.DisposeAsync();

        await WaitRunningAsync(TimeSpan.FromSeconds(5));
    }

    [KPageFlagsFact]
    public async Task Heartbeat_loss_releases_the_rogue_and_ends_the_session()
    {
        await using var agent = await StartAgentAsync();
        await using var client = await agent.ConnectAsync(SlowScans);
        using (var beating = new CancellationTokenSource())
        {
            // A host sends heartbeats while it works (the first DirtyFrames walks every process's pagemap).
            var heart = Task.Run(async () =>
            {
                while (!beating.IsCancellationRequested)
                {
                    await client.HeartbeatAsync();
                    await Task.Delay(100);
                }
            });
            await ThrottleRogueAsync(client, heartbeatTimeoutMs: 3000);
            await beating.CancelAsync();
            await heart;
        }

        // No more requests: the agent hears nothing for longer than the timeout.
        await WaitRunningAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(0ul, (await client.GetStatusAsync()).ActiveEvictionSession);
    }

    [KPageFlagsFact]
    public async Task Protected_processes_in_the_policy_are_never_throttled()
    {
        await using var agent = await StartAgentAsync();
        await using var client = await agent.ConnectAsync(SlowScans);
        var started = await client.BeginEvictionAsync(new BeginEviction { Mode = EvictionMode.PostCopy });
        var policy = new SetThrottlePolicy { SessionId = started.SessionId, DirtyBudgetBytesPerSecond = 1 << 20, PeriodMs = 50, MaxStopMs = 40 };
        policy.ProtectedPids.Add(_rogue.Pid);
        await client.SetThrottlePolicyAsync(policy);

        var attribution = await client.SendDirtyFramesAsync(started.SessionId, _rogue.FrameRuns(), TimeSpan.FromSeconds(1));

        Assert.Contains(attribution.Processes, p => p.Pid == _rogue.Pid);
        var status = await client.SetThrottlePolicyAsync(policy);
        Assert.True(status.Processes.Count == 0, string.Join(", ", status.Processes.Select(p => $"{p.Pid} {p.Command} {p.Duty}")));
        AssertRunning();
    }

    [KPageFlagsFact]
    public async Task An_agent_killed_by_SIGKILL_leaves_nothing_stopped_within_a_second()
    {
        var resumedAfter = await ThrottleThenSignalAgentAsync(sigkill: true);

        Assert.True(resumedAfter < TimeSpan.FromSeconds(1), $"rogue resumed {resumedAfter.TotalMilliseconds:F0} ms after SIGKILL");
    }

    [KPageFlagsFact]
    public async Task An_agent_killed_by_SIGKILL_under_a_parent_that_does_not_reap_it_leaves_nothing_stopped()
    {
        // A zombie agent is dead although /proc still lists it with its start time: the sentinel must not wait for its reaping.
        using var agent = await AgentProcess.StartAsync(_directory, JournalPath, parentNeverReaps: true);
        await using var client = await AgentClient.ConnectAsync(agent.Unix, SlowScans);
        await ThrottleRogueAsync(client);

        agent.Kill();

        await WaitRunningAsync(TimeSpan.FromSeconds(1));
        Assert.False(File.Exists(JournalPath), "the sentinel replayed the journal");
    }

    [KPageFlagsFact]
    public async Task An_agent_stopped_by_SIGTERM_releases_the_rogue_and_empties_its_journal()
    {
        await ThrottleThenSignalAgentAsync(sigkill: false);

        Assert.False(File.Exists(JournalPath), "a clean shutdown leaves no journal behind");
    }

    [KPageFlagsTheory]
    [InlineData(ThrottleMethod.CgroupCpu, "-cpu")]
    [InlineData(ThrottleMethod.CgroupFreeze, "-freeze")]
    public async Task A_cgroup_actuator_holds_the_rogue_in_its_own_cgroup_and_EndEviction_sends_it_home(ThrottleMethod method, string actuatorSuffix)
    {
        var homeBefore = File.ReadAllText($"/proc/{_rogue.Pid}/cgroup");
        await using var agent = await StartAgentAsync();
        await using var client = await agent.ConnectAsync(SlowScans);
        Assert.Contains(GuestAssist.Protocol.Handshake.Capabilities.ThrottleCgroup, client.Session.Capabilities);
        var session = await ThrottleRogueAsync(client, method: method);
        var status = await client.SetThrottlePolicyAsync(new SetThrottlePolicy { SessionId = session, Method = method, DirtyBudgetBytesPerSecond = 1 << 20, PeriodMs = 50, MaxStopMs = 45 });
        var actuator = Assert.Single(status.Processes).Actuator;
        Assert.StartsWith("cgroup-v", actuator, StringComparison.Ordinal);
        Assert.EndsWith(actuatorSuffix, actuator, StringComparison.Ordinal);
        Assert.Contains("guestassist-throttle", File.ReadAllText($"/proc/{_rogue.Pid}/cgroup"), StringComparison.Ordinal);

        var ended = await client.EndEvictionAsync(session, succeeded: true);

        Assert.Equal(1u, ended.ReleasedProcesses);
        Assert.Equal(homeBefore, File.ReadAllText($"/proc/{_rogue.Pid}/cgroup"));
        AssertRunning();
        Assert.False(File.Exists(JournalPath));
    }

    [KPageFlagsFact]
    public async Task The_first_throttle_policy_is_answered_only_once_the_sentinel_watches()
    {
        // A sentinel slow to start (a loaded machine): half a second in a shell before it becomes the agent's executable.
        var agentPath = Path.Combine(AppContext.BaseDirectory, "guestassist-agent");
        await using var agent = await RunningAgent.StartOnUnixAsync(_directory, ScannerMemoryMapSource.Create(ProcFsPaths.Live, TimeSpan.Zero), options => options with
        {
            ThrottleJournal = JournalPath,
            SentinelCommand = ["sh", "-c", "sleep 0.5; exec \"$0\" \"$@\"", agentPath],
        });
        await using var client = await agent.ConnectAsync(SlowScans);
        var started = await client.BeginEvictionAsync(new BeginEviction { Mode = EvictionMode.PostCopy });
        // Only the rogue may be a target: where soft-dirty is on, the agent measures every process itself after a grace.
        var policy = new SetThrottlePolicy { SessionId = started.SessionId, DirtyBudgetBytesPerSecond = 1 << 20 };
        policy.TargetPids.Add(_rogue.Pid);

        await client.SetThrottlePolicyAsync(policy);

        var sentinel = Assert.Single(SentinelProcesses.Watching(JournalPath));
        Assert.Equal(Path.GetFullPath(agentPath), new FileInfo($"/proc/{sentinel}/exe").LinkTarget);
    }

    [KPageFlagsFact]
    public async Task Sessions_that_change_the_throttle_method_share_one_sentinel()
    {
        using (var agent = await AgentProcess.StartAsync(_directory, JournalPath))
        {
            await using var client = await AgentClient.ConnectAsync(agent.Unix, SlowScans);
            Assert.Contains(GuestAssist.Protocol.Handshake.Capabilities.ThrottleCgroup, client.Session.Capabilities);
            foreach (var method in new[] { ThrottleMethod.SigstopDuty, ThrottleMethod.CgroupFreeze, ThrottleMethod.SigstopDuty })
            {
                var session = await ThrottleRogueAsync(client, method: method);
                await client.EndEvictionAsync(session, succeeded: true);
            }

            Assert.Single(SentinelProcesses.Watching(JournalPath));
        }
        var watch = Stopwatch.StartNew();
        while (SentinelProcesses.Watching(JournalPath).Count > 0 && watch.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(20);
        }
        Assert.Empty(SentinelProcesses.Watching(JournalPath));
    }

    [KPageFlagsFact]
    public async Task An_agent_killed_by_SIGKILL_while_freezing_the_rogue_leaves_it_thawed_and_home()
    {
        var homeBefore = File.ReadAllText($"/proc/{_rogue.Pid}/cgroup");
        await ThrottleThenSignalAgentAsync(sigkill: true, ThrottleMethod.CgroupFreeze);

        Assert.Equal(homeBefore, File.ReadAllText($"/proc/{_rogue.Pid}/cgroup"));
        Assert.True(await ProgressesAsync(), "the rogue runs again: its cgroup was thawed");
    }

    /// <summary>Starts the agent as its own process, has it throttle the rogue, signals it; returns how long until the rogue ran again.</summary>
    private async Task<TimeSpan> ThrottleThenSignalAgentAsync(bool sigkill, ThrottleMethod method = ThrottleMethod.SigstopDuty)
    {
        using var agent = await AgentProcess.StartAsync(_directory, JournalPath);
        await using var client = await AgentClient.ConnectAsync(agent.Unix, SlowScans);
        await ThrottleRogueAsync(client, method: method);
        Assert.True(File.Exists(JournalPath), "a throttled process is journalled");

        if (sigkill)
        {
            agent.Kill();
        }
        else
        {
            agent.Terminate();
        }
        var signalled = Stopwatch.StartNew();
        await WaitRunningAsync(TimeSpan.FromSeconds(10));
        var resumedAfter = signalled.Elapsed;
        Assert.True(await agent.WaitForExitAsync(TimeSpan.FromSeconds(10)), "the agent should exit");

        // Stays running: nothing stops it again.
        await Task.Delay(300);
        AssertRunning();
        return resumedAfter;
    }

    // The first DirtyFrames builds the owner index: a walk of every process's pagemap.
    private static readonly AgentClientOptions SlowScans = new() { RequestTimeout = TimeSpan.FromSeconds(60) };

    private string JournalPath => _directory.PathOf("throttle.journal");

    private Task<RunningAgent> StartAgentAsync() =>
        RunningAgent.StartOnUnixAsync(_directory, ScannerMemoryMapSource.Create(ProcFsPaths.Live, TimeSpan.Zero), options => options with
        {
            ThrottleJournal = JournalPath,
            SentinelCommand = [Path.Combine(AppContext.BaseDirectory, "guestassist-agent")],
        });

    /// <summary>Begins a session, sets a 1 MiB/s budget and reports the rogue's 64 MiB as dirtied in one second: it must be throttled.</summary>
    private async Task<ulong> ThrottleRogueAsync(AgentClient client, uint heartbeatTimeoutMs = 0, ThrottleMethod method = ThrottleMethod.SigstopDuty)
    {
        var started = await client.BeginEvictionAsync(new BeginEviction { Mode = EvictionMode.PostCopy, HeartbeatTimeoutMs = heartbeatTimeoutMs });
        await client.SetThrottlePolicyAsync(new SetThrottlePolicy { SessionId = started.SessionId, Method = method, DirtyBudgetBytesPerSecond = 1 << 20, PeriodMs = 50, MaxStopMs = 45 });
        var attribution = await client.SendDirtyFramesAsync(started.SessionId, _rogue.FrameRuns(), TimeSpan.FromSeconds(1));
        var rate = Assert.Single(attribution.Processes, p => p.Pid == _rogue.Pid);
        Assert.True(rate.BytesPerSecond >= 64 << 20, $"the rogue's frames should count at least 64 MiB/s, got {rate.BytesPerSecond}");
        Assert.Equal("host dirty log", rate.Method);
        var status = await client.SetThrottlePolicyAsync(new SetThrottlePolicy { SessionId = started.SessionId, Method = method, DirtyBudgetBytesPerSecond = 1 << 20, PeriodMs = 50, MaxStopMs = 45 });
        var throttled = Assert.Single(status.Processes);
        Assert.Equal(_rogue.Pid, throttled.Pid);
        Assert.InRange(throttled.Duty, 0.01, 0.1);
        if (method == ThrottleMethod.SigstopDuty)
        {
            Assert.True(await SeenStoppedAsync(), "the rogue should spend most of each period stopped");
        }
        return started.SessionId;
    }

    private async Task<bool> SeenStoppedAsync()
    {
        for (var i = 0; i < 100; i++)
        {
            if (_rogue.IsStopped)
            {
                return true;
            }
            await Task.Delay(5);
        }
        return false;
    }

    private async Task WaitRunningAsync(TimeSpan within)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < within)
        {
            // Running at every look for two whole duty periods (a throttled rogue runs a few ms of each 50).
            var running = true;
            for (var look = 0; look < 20 && running; look++)
            {
                running = !_rogue.IsStopped;
                await Task.Delay(5);
            }
            if (running)
            {
                return;
            }
        }
        AssertRunning();
    }

    /// <summary>Neither stopped by a signal nor in a frozen cgroup.</summary>
    private async Task<bool> ProgressesAsync()
    {
        for (var i = 0; i < 40; i++)
        {
            if (!_rogue.IsStopped && _rogue.FrozenCgroup is null)
            {
                return true;
            }
            await Task.Delay(25);
        }
        return false;
    }

    private void AssertRunning() => Assert.False(_rogue.IsStopped, $"rogue {_rogue.Pid} left stopped");
}
