using System.Reactive.Linq;
using GuestAssist.Agent.Serving;
using GuestAssist.Guest.ProcFs;
using GuestAssist.Host.DirtyLog;
using GuestAssist.Host.DirtyLog.Files;
using GuestAssist.Host.EvictionSession;
using GuestAssist.Host.Planning;
using GuestAssist.IntegrationTests.AgentProtocol.Support;
using GuestAssist.IntegrationTests.Firecracker;
using GuestAssist.Linux.Tests.Transports.HybridVsock;
using GuestAssist.Linux.Transports;
using Xunit.Abstractions;

namespace GuestAssist.IntegrationTests.Eviction;

/// <summary>
/// The eviction session end to end on this machine: the agent (a real scan of this machine) behind a Firecracker
/// hybrid-vsock muxer double, the stand-in Firecracker API on the source, `uffd-handler --source` and the
/// FirecrackerStandIn VMM on the destination, every page verified; and the ways it must not go wrong.
/// </summary>
public sealed class EvictionTests : IDisposable
{
    private const uint AgentPort = 5000;

    private readonly TempDirectory _directory = new();
    private readonly EvictionRig _rig;
    private readonly ITestOutputHelper _output;

    public EvictionTests(ITestOutputHelper output)
    {
        _output = output;
        _rig = new EvictionRig(_directory.Path);
    }

    public void Dispose()
    {
        _rig.Dispose();
        _directory.Dispose();
    }

    [KPageFlagsFact]
    public async Task A_firecracker_vm_is_evicted_with_the_agent_over_hybrid_vsock_every_page_verified()
    {
        await using var agent = await StartLiveAgentAsync();
        using var muxer = Muxer();
        await using var eviction = new Host.EvictionSession.Eviction(_rig.Options() with { Agent = AgentAddress });
        var reports = new List<EvictionProgress>();
        using var subscription = eviction.Progress.Subscribe(p => { lock (reports) { reports.Add(p); } });
        var listening = _rig.Listening(eviction);

        var run = eviction.RunAsync();
        await listening.WaitAsync(TimeSpan.FromSeconds(60));
        var (handler, output) = await _rig.RunDestinationAsync(run);
        var result = await run;

        AssertEveryPageVerified(output, handler);
        Assert.True(result.Outcome == EvictionOutcome.Completed, $"{result.Error}\n{string.Join('\n', result.Notes)}");
        Assert.Equal(AgentState.Ended, result.Agent);
        Assert.Equal($"CONNECT {AgentPort}", muxer.CommandLines.First());
        Assert.Equal(["PATCH /vm", "PUT /snapshot/create"], _rig.Api.Requests.Select(r => $"{r.Method} {r.Path}"));
        Assert.Equal("Paused", _rig.Api.State); // the VM runs on the destination now
        Assert.True(result.LeftPaused);
        // This machine's own map (its 25 GiB of frames) does not fit a 24 MiB VM: dropped, saying so, address order.
        _output.WriteLine(string.Join(", ", result.PhaseTimes.Select(p => $"{Host.EvictionSession.Eviction.Name(p.Phase)} {p.Duration.TotalMilliseconds:F0} ms")));
        Assert.Contains(result.Notes, n => n.StartsWith("class map dropped: ", StringComparison.Ordinal));
        Assert.Contains(result.Notes, n => n.StartsWith("source free: every frame confirmed installed, 24.0 of 24 MiB released page by page", StringComparison.Ordinal));
        Assert.Contains(result.Notes, n => n.StartsWith("EndEviction: ", StringComparison.Ordinal));
        Assert.Equal(
            [EvictionPhase.ConnectAgent, EvictionPhase.Hello, EvictionPhase.StartDirtyLog, EvictionPhase.BeginEviction, EvictionPhase.MemoryMap, EvictionPhase.PreSwitchover, EvictionPhase.Switchover, EvictionPhase.PostCopy, EvictionPhase.SourceFree, EvictionPhase.EndEviction],
            result.PhaseTimes.Select(p => p.Phase));
        Assert.NotNull(result.Transfer);
        // Every page left the source at least once (a page faulted while the stream was on its way may go twice).
        Assert.InRange(result.Transfer.PagesSent + result.Transfer.ZeroPages, (long)(_rig.Layout.MemoryBytes / 4096), (long)(_rig.Layout.MemoryBytes / 4096) * 2);
        // The snapshot's memory went back page by page as the destination confirmed it: nothing of it is left on disk.
        Assert.Equal((long)_rig.Layout.MemoryBytes, result.Transfer.ReleasedBytes);
        Assert.Equal(result.Transfer.UrgentRequests, result.Transfer.UrgentWait.Count);
        using (var snapshot = File.OpenHandle(_rig.Vm.MemoryFilePath))
        {
            Assert.Empty(Linux.Files.SparseFile.DataExtents(snapshot));
        }
        lock (reports)
        {
            Assert.Contains(reports, r => r.Phase == EvictionPhase.PostCopy && r.Message is null);
            Assert.Equal(EvictionPhase.Done, reports[^1].Phase);
        }
    }

    [KPageFlagsFact]
    public async Task The_agent_killed_mid_session_does_not_stop_the_migration()
    {
        var agent = await StartLiveAgentAsync();
        using var muxer = Muxer();
        await using var eviction = new Host.EvictionSession.Eviction(_rig.Options() with { Agent = AgentAddress });
        var listening = _rig.Listening(eviction);

        var run = eviction.RunAsync();
        await listening.WaitAsync(TimeSpan.FromSeconds(60));
        await agent.DisposeAsync(); // the guest agent dies after the map, before any page moved
        var (handler, output) = await _rig.RunDestinationAsync(run);
        var result = await run;

        AssertEveryPageVerified(output, handler);
        Assert.True(result.Outcome == EvictionOutcome.Completed, $"{result.Error}\n{string.Join('\n', result.Notes)}");
        Assert.Equal(AgentState.Lost, result.Agent);
        Assert.Contains(result.Notes, n => n.StartsWith("agent lost (", StringComparison.Ordinal));
    }

    [RootFact]
    public async Task Hybrid_on_firecracker_runs_as_post_copy_saying_why_and_still_releases_the_snapshot()
    {
        await using var eviction = new Host.EvictionSession.Eviction(_rig.Options() with { Mode = EvictionMode.Hybrid });
        var listening = _rig.Listening(eviction);

        var run = eviction.RunAsync();
        await listening.WaitAsync(TimeSpan.FromSeconds(60));
        var (handler, output) = await _rig.RunDestinationAsync(run);
        var result = await run;

        AssertEveryPageVerified(output, handler);
        Assert.True(result.Outcome == EvictionOutcome.Completed, $"{result.Error}\n{string.Join('\n', result.Notes)}");
        Assert.Contains(result.Notes, n => n.StartsWith("pre-switchover push: not done: firecracker ", StringComparison.Ordinal) && n.EndsWith("gives its memory only once paused (the destination takes pages after the snapshot loads): everything moves after switchover", StringComparison.Ordinal));
        Assert.Equal(0, result.Transfer!.PushedBeforeSwitchover);
        Assert.Equal((long)_rig.Layout.MemoryBytes, result.Transfer.ReleasedBytes);
    }

    [RootFact]
    public async Task A_snapshot_the_api_refuses_fails_the_eviction_naming_it_and_the_vm_runs_again_on_the_source()
    {
        _rig.Api.Refuse("/snapshot/create", "Create snapshot error: Cannot write memory file: No space left on device (os error 28)");
        await using var eviction = new Host.EvictionSession.Eviction(_rig.Options());

        var result = await eviction.RunAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(EvictionOutcome.Failed, result.Outcome);
        Assert.Equal("switchover: firecracker API PUT /snapshot/create: 400 Create snapshot error: Cannot write memory file: No space left on device (os error 28)", result.Error);
        Assert.Equal("Running", _rig.Api.State);
        Assert.False(result.LeftPaused);
        Assert.Equal(["PATCH /vm", "PUT /snapshot/create", "PATCH /vm"], _rig.Api.Requests.Select(r => $"{r.Method} {r.Path}"));
        Assert.Contains("""{"state":"Resumed"}""", _rig.Api.Requests.Last().Body, StringComparison.Ordinal);
    }

    [RootFact]
    public async Task A_refused_pause_fails_before_anything_is_paused()
    {
        _rig.Api.Refuse("/vm", "The requested operation is not supported before starting the microVM.");
        await using var eviction = new Host.EvictionSession.Eviction(_rig.Options());

        var result = await eviction.RunAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(EvictionOutcome.Failed, result.Outcome);
        Assert.Equal("switchover: firecracker API PATCH /vm: 400 The requested operation is not supported before starting the microVM.", result.Error);
        Assert.False(result.LeftPaused);
        Assert.Equal("Running", _rig.Api.State);
    }

    [KPageFlagsFact]
    public async Task A_cancelled_session_leaves_nothing_paused_and_nothing_throttled()
    {
        await using var agent = await StartLiveAgentAsync();
        using var muxer = Muxer();
        using var sleeper = System.Diagnostics.Process.Start("sleep", "120");

        var result = await CancelOnceListeningAsync(_rig.Options() with { Agent = AgentAddress, ThrottleTargets = [sleeper.Id] });

        Assert.Equal(EvictionOutcome.Cancelled, result.Outcome);
        Assert.Equal("cancelled in post-copy", result.Error);
        Assert.False(result.LeftPaused);
        Assert.Equal("Running", _rig.Api.State);
        Assert.Equal(AgentState.Ended, result.Agent);
        await using var client = await Host.Agent.AgentClient.ConnectAsync(AgentAddress);
        var status = await client.GetStatusAsync();
        Assert.Equal(0UL, status.ActiveEvictionSession);
        Assert.Equal(0u, status.ThrottledProcesses);
        Assert.NotEqual('T', ProcessState(sleeper.Id));
        sleeper.Kill();
    }

    [KPageFlagsFact]
    public async Task Post_copy_throttles_nobody_and_hybrid_ends_throttling_before_the_pause()
    {
        await using var agent = await StartLiveAgentAsync();
        using var muxer = Muxer();
        using var sleeper = System.Diagnostics.Process.Start("sleep", "120");
        foreach (var mode in new[] { EvictionMode.PostCopy, EvictionMode.Hybrid })
        {
            var result = await CancelOnceListeningAsync(_rig.Options() with { Agent = AgentAddress, ThrottleTargets = [sleeper.Id], Mode = mode });

            var notes = result.Notes.ToList();
            var paused = notes.FindIndex(n => n.EndsWith(": paused", StringComparison.Ordinal));
            Assert.True(paused >= 0, string.Join('\n', notes));
            if (mode == EvictionMode.PostCopy)
            {
                Assert.Contains(notes, n => n.EndsWith("post-copy moves nothing while the VM runs, so nobody is throttled", StringComparison.Ordinal));
                Assert.DoesNotContain(notes, n => n.StartsWith("throttling ended", StringComparison.Ordinal));
            }
            else
            {
                var ended = notes.FindIndex(n => n.StartsWith("throttling ended (nothing is pushed)", StringComparison.Ordinal));
                Assert.InRange(ended, 0, paused - 1);
            }
        }
        sleeper.Kill();
    }

    [RootFact]
    public async Task A_dirty_bitmap_that_does_not_cover_the_maps_epoch_is_refused_for_skipping_with_the_reason()
    {
        // An agent whose map fits this VM, so the plan is the planner's and the dirty log is what decides skipping.
        await using var agent = await RunningAgent.StartAsync(new VmShapedMapSource(_rig.Layout.TotalFrames), new AgentServingOptions { Listen = [new UnixAddress(GuestSocket(AgentPort))] });
        using var muxer = Muxer();
        var dirtyLog = Path.Combine(_directory.Path, "vm.dirty");
        await using var eviction = new Host.EvictionSession.Eviction(_rig.Options() with { Agent = AgentAddress, DirtyLogFile = dirtyLog });
        // The VMM starts logging only after the map was requested (here: at the pause), so the log misses the map's epoch.
        using var writeLog = eviction.Progress.Where(p => p.Message?.EndsWith(": paused", StringComparison.Ordinal) == true).Subscribe(_ =>
        {
            var now = HostClock.ToMonotonicNs(System.Diagnostics.Stopwatch.GetTimestamp());
            DirtyBitmapFile.Write(dirtyLog, new DirtyLogFileHeader(4096, 0, _rig.Layout.TotalFrames, now, now + 1), new ulong[(_rig.Layout.TotalFrames + 63) / 64]);
        });
        var listening = _rig.Listening(eviction);

        var run = eviction.RunAsync();
        await listening.WaitAsync(TimeSpan.FromSeconds(60));
        var (handler, output) = await _rig.RunDestinationAsync(run);
        var result = await run;

        AssertEveryPageVerified(output, handler);
        Assert.Equal(EvictionOutcome.Completed, result.Outcome);
        Assert.Contains($"dirty log refused: {SkippingStates.StartedAfterMap}: free frames are sent", result.Notes);
        Assert.Equal(0, result.Transfer!.SkippedFrames);
        Assert.Contains(SkippingStates.StartedAfterMap, result.Plan, StringComparison.Ordinal);
    }

    [RootFact]
    public async Task A_dirty_bitmap_covering_the_map_to_switchover_skips_the_free_frames_and_they_read_zero()
    {
        await using var agent = await RunningAgent.StartAsync(new VmShapedMapSource(_rig.Layout.TotalFrames), new AgentServingOptions { Listen = [new UnixAddress(GuestSocket(AgentPort))] });
        using var muxer = Muxer();
        // The guest's free frames hold no data (as a freshly booted guest's), so zero-filling them is exact.
        ZeroFreeFrames();
        var dirtyLog = Path.Combine(_directory.Path, "vm.dirty");
        var trackingStarted = HostClock.ToMonotonicNs(System.Diagnostics.Stopwatch.GetTimestamp()); // before the session asks for the map
        await using var eviction = new Host.EvictionSession.Eviction(_rig.Options() with { Agent = AgentAddress, DirtyLogFile = dirtyLog });
        using var writeLog = eviction.Progress.Where(p => p.Message?.EndsWith(": paused", StringComparison.Ordinal) == true).Subscribe(_ =>
        {
            var sealedAt = HostClock.ToMonotonicNs(System.Diagnostics.Stopwatch.GetTimestamp());
            DirtyBitmapFile.Write(dirtyLog, new DirtyLogFileHeader(4096, 0, _rig.Layout.TotalFrames, trackingStarted, sealedAt), new ulong[(_rig.Layout.TotalFrames + 63) / 64]);
        });
        var listening = _rig.Listening(eviction);

        var run = eviction.RunAsync();
        await listening.WaitAsync(TimeSpan.FromSeconds(60));
        var (handler, output) = await _rig.RunDestinationAsync(run);
        var result = await run;

        AssertEveryPageVerified(output, handler);
        Assert.True(result.Outcome == EvictionOutcome.Completed, $"{result.Error}\n{string.Join('\n', result.Notes)}");
        Assert.Contains(SkippingStates.Enabled, result.Plan, StringComparison.Ordinal);
        // A free frame the destination faults on before the stream hands it out goes on the urgent channel instead.
        Assert.InRange(result.Transfer!.SkippedFrames, (long)VmShapedMapSource.FreeFrames - result.Transfer.UrgentRequests, (long)VmShapedMapSource.FreeFrames);
        Assert.Contains(result.Notes, n => n.StartsWith("dirty log: 0 frames written in ", StringComparison.Ordinal));
    }

    private void ZeroFreeFrames()
    {
        using var file = File.OpenHandle(_rig.GuestMemory, FileMode.Open, FileAccess.Write);
        foreach (var (offset, length) in VmShapedMapSource.FreeFileRanges)
        {
            RandomAccess.Write(file, new byte[length], offset);
        }
    }

    private void AssertEveryPageVerified(string output, int handler)
    {
        Assert.Contains($"stand-in: verified: {_rig.Layout.MemoryBytes / 4096} pages ok, 0 mismatches", output, StringComparison.Ordinal);
        Assert.Equal(0, handler);
    }

    private TransportAddress AgentAddress => TransportAddress.Parse($"hybrid:{_directory.PathOf("v.sock")}:{AgentPort}");

    private string GuestSocket(uint port) => _directory.PathOf($"guest_{port}");

    /// <summary>Runs a session to the point where the page server waits for the destination (switchover done), then cancels it.</summary>
    private async Task<EvictionResult> CancelOnceListeningAsync(EvictionOptions options)
    {
        await using var eviction = new Host.EvictionSession.Eviction(options);
        using var cancel = new CancellationTokenSource();
        var listening = _rig.Listening(eviction);
        var run = eviction.RunAsync(cancel.Token);
        await listening.WaitAsync(TimeSpan.FromSeconds(60));
        await cancel.CancelAsync();
        return await run.WaitAsync(TimeSpan.FromSeconds(60));
    }

    private FirecrackerMuxerDouble Muxer() => new(_directory.PathOf("v.sock"), GuestSocket);

    /// <summary>The agent daemon scanning this machine for real, listening where the muxer double forwards the guest port.</summary>
    private async Task<RunningAgent> StartLiveAgentAsync()
    {
        var scanner = ScannerMemoryMapSource.Create(ProcFsPaths.Live, heatWindow: TimeSpan.Zero);
        return await RunningAgent.StartAsync(scanner, new AgentServingOptions { Listen = [new UnixAddress(GuestSocket(AgentPort))] });
    }

    private static char ProcessState(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return stat[stat.LastIndexOf(')') + 2];
    }
}
