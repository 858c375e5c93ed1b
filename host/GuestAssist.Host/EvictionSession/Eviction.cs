using System.Diagnostics;
using System.Globalization;
using System.Reactive.Subjects;
using GuestAssist.Host.Agent;
using GuestAssist.Host.DirtyLog;
using GuestAssist.Host.DirtyLog.Files;
using GuestAssist.Host.Layout;
using GuestAssist.Host.Planning;
using GuestAssist.Host.Source;
using GuestAssist.Host.Transfer;
using GuestAssist.Host.Vmm;
using GuestAssist.Host.Vmm.Firecracker;
using GuestAssist.Protocol.PageMaps;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Host.EvictionSession;

/// <summary>
/// One eviction of one VM from the source host, in the only safe order: connect the agent (optional) and Hello →
/// start the dirty log → BeginEviction (the agent throttles rogue dirtiers to a budget from the link) → the class map →
/// (hybrid: the pre-switchover push) → switchover through the VMM adapter (pause, capture the memory) → post-copy in the
/// planner's order with the urgent channel → the source's copy released ("source free") → EndEviction. Every phase
/// is reported on <see cref="Progress"/>, every wait is bounded and cancellable.
/// <para>
/// The agent helps but is never needed: unreachable, it leaves an address-order plan; lost mid-session (heartbeat or
/// request failure), the migration goes on with what it has and the agent releases its throttles on its side. A
/// class map that does not fit the VM's layout is dropped the same way, saying why. Cancelled or failed before the
/// destination connected, the VM is resumed on the source; once the destination has connected the VM's state lives
/// there and the source stays paused (<see cref="EvictionResult.LeftPaused"/>). EndEviction is always attempted.
/// </para>
/// <para>
/// <b>Hybrid</b> (<see cref="EvictionMode.Hybrid"/>): before the pause, a page server over the running VM's memory
/// (<see cref="IVmmAdapter.OpenLiveMemoryAsync"/>) pushes the map's kernel and hot frames to the destination, which stages
/// them (only while the guest dirties less than the dirty budget, the rogues throttled meanwhile; above it the session
/// switches over at once); the write tracker is marked before the first read, and at switchover every pushed frame written since goes again
/// before the stream's switchover mark, after which the destination installs what it staged and post-copy carries the
/// rest. <b>Limitation:</b> a Firecracker VM exposes its memory only as the snapshot made at switchover, and its
/// destination's <c>uffd-handler</c> connects to the page server only after the snapshot loads, so with
/// <see cref="FirecrackerVm"/> hybrid runs as post-copy (the session says so); the process-VM path (<see cref="ProcessVm"/>,
/// <c>migrate-demo</c>) pushes for real.
/// </para>
/// <para>
/// The source is released page by page (<see cref="EvictionOptions.ReleaseSource"/>): the destination confirms installed
/// frames on the transfer's background channel and the page server punches each confirmed range out of the captured
/// memory; "source free" is when every frame is confirmed (progress shows <see cref="EvictionProgress.ReleasedBytes"/>).
/// </para>
/// </summary>
public sealed class Eviction : IAsyncDisposable
{
    private readonly EvictionOptions _options;
    private readonly Subject<EvictionProgress> _progress = new();
    private readonly Lock _progressGate = new();
    private readonly Stopwatch _clock = new();
    private readonly List<EvictionPhaseTime> _phaseTimes = [];
    private readonly List<string> _notes = [];
    private EvictionPhase _phase = EvictionPhase.ConnectAgent;
    private TimeSpan _phaseStarted;
    private AgentClient? _agent;
    private ulong _agentSession;
    private volatile AgentState _agentState;
    private volatile int _throttled;
    private volatile string? _outage;
    private int _drops;
    private double? _dirtyRate;
    private DirtyFramesFeed? _feed;
    private bool _throttling;
    private SetThrottlePolicy? _pendingPolicy;
    private int _started;

    public Eviction(EvictionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <summary>Every phase change (with a message) and a sample every <see cref="EvictionOptions.ProgressInterval"/> while pages move.</summary>
    public IObservable<EvictionProgress> Progress => _progress;

    /// <summary>Runs the eviction once. Failures are results (<see cref="EvictionOutcome.Failed"/>), not exceptions.</summary>
    public async Task<EvictionResult> RunAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("an eviction runs once");
        }
        _clock.Start();
        var vmm = _options.Vmm;
        var paused = false;
        var destinationConnected = false;
        IDirtyLog? liveLog = null;
        IPageSource? memory = null;
        IPageSource? liveMemory = null;
        PageServer? server = null;
        Task? heartbeats = null;
        using var sessionEnd = new CancellationTokenSource();
        var plan = "address order";
        var outcome = EvictionOutcome.Completed;
        string? error = null;
        Exception? cause = null;
        try
        {
            await ConnectAgentAsync(cancellationToken).ConfigureAwait(false);

            var layout = await Bounded(vmm.GetLayoutAsync, _options.StepTimeout, $"{vmm.Description}: layout", cancellationToken).ConfigureAwait(false);
            Enter(EvictionPhase.StartDirtyLog);
            liveLog = StartDirtyLog(layout);

            Enter(EvictionPhase.BeginEviction);
            await BeginEvictionAsync(liveLog is UffdWriteTracker && _options.DirtyFramesInterval > TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
            if (_agentState == AgentState.Connected)
            {
                heartbeats = Task.Run(() => HeartbeatLoopAsync(sessionEnd.Token), CancellationToken.None);
                if (_throttling)
                {
                    _feed = StartDirtyFramesFeed(liveLog);
                }
            }

            Enter(EvictionPhase.MemoryMap);
            var map = await MemoryMapAsync(liveLog, cancellationToken).ConfigureAwait(false);

            Enter(EvictionPhase.PreSwitchover);
            var serverOptions = new PageServerOptions
            {
                Link = _options.Link.IsUnlimited ? null : new TokenBucket(_options.Link),
                Secret = _options.Secret,
                BatchPages = (int)Math.Max(1, (256UL << 10) / layout.PageSize),
                PageClassOf = map is null ? null : ClassLookup(map.Map),
                ReleaseSource = _options.ReleaseSource,
                // The device state crosses the same link: the page stream waits for it (faults are served meanwhile).
                HoldStreamAfterSwitchover = _options.StartDestination is not null,
            };
            if (_options.Mode == EvictionMode.Hybrid)
            {
                (server, liveMemory) = await PushBeforeSwitchoverAsync(layout, map, liveLog, serverOptions, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                Report("post-copy: nothing moves before switchover");
            }

            Enter(EvictionPhase.Switchover);
            // Throttling only ever helped the push converge; kept past the pause it would stop the guest's processes at
            // the destination until the agent misses its heartbeats there.
            await StopThrottlingAsync("the switchover is next", cancellationToken).ConfigureAwait(false);
            try
            {
                await Bounded(vmm.PauseAsync, _options.StepTimeout, $"{vmm.Description}: pause", cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is TimeoutException or OperationCanceledException or VmmException { MayHaveTakenEffect: true })
            {
                paused = true; // unanswered: the vCPUs may have stopped anyway, and resuming a running VM is harmless
                throw;
            }
            paused = true;
            liveLog?.Seal();
            Report($"{vmm.Description}: paused");
            memory = await Bounded(t => vmm.CaptureMemoryAsync(layout, t), _options.StepTimeout, $"{vmm.Description}: memory", cancellationToken).ConfigureAwait(false);
            var dirtyLog = liveLog ?? ReadDirtyLogFile(layout);
            ReportDirtyRate(dirtyLog, layout);

            var (factory, planner, description) = Plan(map, layout, dirtyLog);
            plan = description;
            Report($"plan: {description}");
            Report(!_options.ReleaseSource
                ? "source kept until the end (release off)"
                : memory.CanRelease
                    ? "source released page by page as the destination confirms them"
                    : "source kept until the end: its memory cannot be released from here");

            Enter(EvictionPhase.PostCopy);
            if (server is not null)
            {
                var tracker = (UffdWriteTracker)liveLog!;
                server.Switchover(memory, factory, tracker.WrittenSinceMark);
                destinationConnected = server.Counters.Snapshot().Connections > 0;
                var pushed = server.Counters.Snapshot();
                Report(string.Create(CultureInfo.InvariantCulture, $"switchover: {pushed.PushedBeforeSwitchover:N0} frames pushed while the VM ran; those written since go again before the switchover mark"));
            }
            else
            {
                server = new PageServer(memory, layout, factory, serverOptions);
                ListenFor(server);
            }
            if (_options.StartDestination is { } startDestination)
            {
                try
                {
                    await Bounded(startDestination, _options.StepTimeout, "starting the destination", cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    server.ReleaseStream();
                }
                Report("destination started: the page stream goes on");
            }
            destinationConnected |= await TransferAsync(server, planner, layout, () => destinationConnected = true, cancellationToken).ConfigureAwait(false);

            Enter(EvictionPhase.SourceFree);
            LastTransfer = server.Counters.Snapshot();
            var allConfirmed = server.AllConfirmed;
            server.Dispose();
            server = null;
            memory.Dispose();
            memory = null;
            var frames = (long)(layout.MemoryBytes / layout.PageSize);
            Report(allConfirmed
                ? string.Create(CultureInfo.InvariantCulture, $"source free: every frame confirmed installed, {LastTransfer.ReleasedBytes / (double)(1 << 20):F1} of {layout.MemoryBytes >> 20} MiB released page by page")
                : string.Create(CultureInfo.InvariantCulture, $"source free: {LastTransfer.ConfirmedFrames:N0} of {frames:N0} frames confirmed installed ({LastTransfer.ReleasedBytes / (double)(1 << 20):F1} MiB released page by page), the destination closed after its end of stream"));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            outcome = EvictionOutcome.Cancelled;
            error = $"cancelled in {Name(_phase)}";
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            outcome = EvictionOutcome.Failed;
            error = $"{Name(_phase)}: {e.Message}";
            cause = e;
        }
        finally
        {
            await sessionEnd.CancelAsync().ConfigureAwait(false);
            await StopFeedAsync().ConfigureAwait(false);
            if (heartbeats is not null)
            {
                await heartbeats.ConfigureAwait(false);
            }
            server?.Dispose();
            memory?.Dispose();
            liveMemory?.Dispose();
            (liveLog as IDisposable)?.Dispose();
        }

        var leftPaused = paused;
        if (outcome != EvictionOutcome.Completed && paused && !destinationConnected)
        {
            leftPaused = !await TryAsync(() => Bounded(vmm.ResumeAsync, _options.StepTimeout, $"{vmm.Description}: resume", CancellationToken.None), "resume on the source").ConfigureAwait(false);
            if (!leftPaused)
            {
                Report($"{vmm.Description}: resumed on the source (the destination never connected)");
            }
        }
        Enter(EvictionPhase.EndEviction);
        await EndEvictionAsync(outcome == EvictionOutcome.Completed).ConfigureAwait(false);
        Enter(EvictionPhase.Done);
        Report(outcome switch
        {
            EvictionOutcome.Completed => $"done in {_clock.Elapsed.TotalSeconds:F2} s",
            _ => $"{(outcome == EvictionOutcome.Cancelled ? "cancelled" : "failed")}: {error}; the VM {(leftPaused ? "stays paused on the source" : "runs on the source")}",
        });
        _progress.OnCompleted();
        return new EvictionResult(outcome, error, [.. _phaseTimes], LastTransfer, plan, _agentState, leftPaused, [.. _notes]) { Cause = cause };
    }

    public async ValueTask DisposeAsync()
    {
        if (_agent is { } agent)
        {
            _agent = null;
            await agent.DisposeAsync().ConfigureAwait(false);
        }
        _progress.Dispose();
    }

    private PageServerStatistics? LastTransfer { get; set; }

    private async Task ConnectAgentAsync(CancellationToken cancellationToken)
    {
        Enter(EvictionPhase.ConnectAgent);
        if (_options.Agent is not { } address)
        {
            _agentState = AgentState.None;
            Report("no agent: the plan is address order (no class map, nothing skipped)");
            return;
        }
        try
        {
            _agent = await Bounded(t => AgentClient.ConnectAsync(address, _options.AgentClient, t), _options.StepTimeout, $"agent {address}", cancellationToken).ConfigureAwait(false);
            _agentState = AgentState.Connected;
            Enter(EvictionPhase.Hello);
            var session = _agent.Session;
            Report($"agent {address}: protocol v{session.Version}, {session.Capabilities.Count} capabilities{(session.MissingThere.Count > 0 ? $", the agent lacks {string.Join(' ', session.MissingThere)}" : "")}, {session.PeerSoftware}");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _agentState = AgentState.Unavailable;
            Report($"agent {address} unavailable: {e.Message}: the plan is address order");
        }
    }

    private IDirtyLog? StartDirtyLog(GuestMemoryLayout layout)
    {
        if (_options.StartDirtyLog is { } start)
        {
            var log = start(layout);
            Report(log is null
                ? "no dirty log (the VMM's memory cannot be tracked here): free frames are sent"
                : "dirty log started before the map: free frames can be skipped");
            return log;
        }
        Report(_options.DirtyLogFile is { } file
            ? $"dirty log: {Path.GetFileName(file)}, read at switchover"
            : "no dirty log: free frames are sent (only the order changes)");
        return null;
    }

    private async Task BeginEvictionAsync(bool feedsDirtyFrames, CancellationToken cancellationToken)
    {
        if (_agent is not { } agent)
        {
            Report("no agent: nothing throttled");
            return;
        }
        var budget = DirtyBudget;
        // Throttling pays only while memory moves with the VM running (the hybrid push); in post-copy nothing does, and
        // stopping the guest's writers would only cost it work.
        var throttle = budget > 0 && _options.Mode == EvictionMode.Hybrid;
        await AgentStepAsync("BeginEviction", async t =>
        {
            var started = await agent.BeginEvictionAsync(new BeginEviction
            {
                Mode = _options.Mode == EvictionMode.Hybrid ? Protocol.V1.EvictionMode.Hybrid : Protocol.V1.EvictionMode.PostCopy,
                LinkBytesPerSecond = _options.Link.IsUnlimited ? 0 : (ulong)_options.Link.BytesPerSecond,
                DirtyBudgetBytesPerSecond = budget,
                HeartbeatTimeoutMs = (uint)_options.HeartbeatTimeout.TotalMilliseconds,
            }, t).ConfigureAwait(false);
            _agentSession = started.SessionId;
            if (throttle)
            {
                var policy = new SetThrottlePolicy { SessionId = started.SessionId, DirtyBudgetBytesPerSecond = budget, HostDirtyFrames = feedsDirtyFrames };
                policy.TargetPids.AddRange(_options.ThrottleTargets);
                policy.ProtectedPids.AddRange(_options.ProtectedPids);
                if (feedsDirtyFrames)
                {
                    // The host sees the rates first: the policy (which costs the guest its throttler and sentinel,
                    // ~0.5 s of a TCG vCPU) goes once two windows in a row reach the budget, never if none do.
                    _pendingPolicy = policy;
                }
                else
                {
                    var status = await agent.SetThrottlePolicyAsync(policy, t).ConfigureAwait(false);
                    _throttled = status.Processes.Count;
                }
                _throttling = true;
            }
            Report(!throttle && budget > 0
                ? $"eviction session {started.SessionId}: post-copy moves nothing while the VM runs, so nobody is throttled"
                : budget > 0
                ? string.Create(CultureInfo.InvariantCulture, $"eviction session {started.SessionId}: dirty budget {budget / 1e6:F1} MB/s ({_options.DirtyBudgetShare:P0} of the link)")
                : $"eviction session {started.SessionId}: unlimited link, nobody throttled");
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Ends the session's throttling (every process continues) and the dirty-log feed that drove it; the session itself goes on.</summary>
    private async Task StopThrottlingAsync(string why, CancellationToken cancellationToken)
    {
        if (!_throttling)
        {
            return;
        }
        _throttling = false;
        await StopFeedAsync().ConfigureAwait(false);
        if (Interlocked.Exchange(ref _pendingPolicy, null) is not null)
        {
            Report($"throttling ended ({why}): no policy had been sent (the dirty log had not yet shown two windows in a row at the budget)");
            return;
        }
        await AgentStepAsync("ReleaseThrottle", async t =>
        {
            var status = await _agent!.ReleaseThrottleAsync(_agentSession, cancellationToken: t).ConfigureAwait(false);
            _throttled = status.Processes.Count;
            Report($"throttling ended ({why}): every process runs at full speed");
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task StopFeedAsync()
    {
        if (Interlocked.Exchange(ref _feed, null) is { } feed)
        {
            await feed.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The throttle policy held back until the dirty log reaches the budget over two windows in a row, sent once.</summary>
    private async Task SendPendingPolicyAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _pendingPolicy, null) is not { } policy || _agent is not { } agent)
        {
            return;
        }
        await AgentStepAsync("SetThrottlePolicy", async t =>
        {
            var status = await agent.SetThrottlePolicyAsync(policy, t).ConfigureAwait(false);
            _throttled = status.Processes.Count;
            Report(string.Create(CultureInfo.InvariantCulture, $"the guest dirties {policy.DirtyBudgetBytesPerSecond / 1e6:F1} MB/s or more: throttle policy sent"));
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Bytes per second the guest may dirty while memory moves with the VM running; 0 on an unlimited link.</summary>
    private ulong DirtyBudget => _options.Link.IsUnlimited ? 0UL : (ulong)(_options.Link.BytesPerSecond * _options.DirtyBudgetShare);

    /// <summary>The live dirty log's windows to the agent, so it attributes and throttles without soft-dirty; null when there is nothing to feed.</summary>
    private DirtyFramesFeed? StartDirtyFramesFeed(IDirtyLog? liveLog)
    {
        if (liveLog is not UffdWriteTracker tracker || _agent is not { } agent || _agentSession == 0 || _options.DirtyFramesInterval <= TimeSpan.Zero)
        {
            return null;
        }
        // Windows go only once the guest dirties at or above the budget over two windows: under it nobody is throttled,
        // and the agent's attribution walks every process's pagemap on the guest's vCPUs.
        var feed = DirtyFramesFeed.Start(agent, _agentSession, tracker, _options.DirtyFramesInterval, DirtyBudget / (double)tracker.PageSize, SendPendingPolicyAsync);
        var reported = 0;
        feed.Attributions.Subscribe(
            attribution =>
            {
                if (Interlocked.Exchange(ref reported, 1) == 0 && attribution.Processes.Count > 0)
                {
                    var top = attribution.Processes.MaxBy(p => p.BytesPerSecond)!;
                    Report(string.Create(CultureInfo.InvariantCulture, $"dirty log to the agent every {_options.DirtyFramesInterval.TotalSeconds:0.#} s: top writer pid {top.Pid} {top.Command} at {top.BytesPerSecond / 1e6:F1} MB/s"));
                }
            },
            e => Report($"dirty log to the agent stopped: {e.Message}"));
        Report(string.Create(CultureInfo.InvariantCulture, $"dirty log to the agent every {_options.DirtyFramesInterval.TotalSeconds:0.#} s (DirtyFrames) once the guest dirties {DirtyBudget / 1e6:F1} MB/s or more over two in a row"));
        return feed;
    }

    private async Task<AgentMemoryMap?> MemoryMapAsync(IDirtyLog? liveLog, CancellationToken cancellationToken)
    {
        AgentMemoryMap? map = null;
        // Address order uses the map only to label what it sends, and the host's write log can stand for the guest's
        // heat window: either way the guest spends no window (seconds, and the cost of sampling) on heat.
        var hostHeat = _options.Heat == EvictionHeat.HostWriteLog && liveLog is UffdWriteTracker && _options.Order != EvictionOrder.AddressOrder;
        var includeHeat = _options.Order != EvictionOrder.AddressOrder && !hostHeat;
        if (_options.Heat == EvictionHeat.HostWriteLog && liveLog is not UffdWriteTracker)
        {
            Report("heat from the host's write log asked for, but no live write log runs here: the agent's heat window is used");
        }
        if (_agent is { } agent && _agentState == AgentState.Connected)
        {
            await AgentStepAsync("memory map", async t =>
            {
                map = await agent.GetMemoryMapAsync(includeHeat, includeOwners: false, cancellationToken: t).ConfigureAwait(false);
            }, cancellationToken, _options.MapTimeout).ConfigureAwait(false);
        }
        if (map is null && _options.RequestMap is { } request)
        {
            try
            {
                map = await Bounded(request, _options.MapTimeout, "class map", cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Report($"class map unavailable: {e.Message}");
            }
        }
        Report(map is null
            ? "no class map: address order"
            : string.Create(CultureInfo.InvariantCulture, $"map {map.Map.Epoch.Sequence}: {map.Map.TotalFrames:N0} frames in {map.Map.RunCount:N0} runs, heat {(includeHeat ? map.HeatMethod.ToString() : "not asked for")}"));
        if (map is not null && hostHeat)
        {
            var tracker = (UffdWriteTracker)liveLog!;
            var rest = _options.HostHeatWindow - Stopwatch.GetElapsedTime(tracker.TrackingStartedAt);
            if (rest > TimeSpan.Zero)
            {
                Report(string.Create(CultureInfo.InvariantCulture, $"heat window: the write log runs {rest.TotalSeconds:F1} s more before the hot set is read from it"));
                await Task.Delay(rest, cancellationToken).ConfigureAwait(false);
            }
            tracker.Collect();
            var before = map.Map.CountOf(PageClass.Hot);
            map = map with { Map = HostWriteHeat.Apply(map.Map, tracker) };
            var seconds = Stopwatch.GetElapsedTime(tracker.TrackingStartedAt).TotalSeconds;
            Report(string.Create(CultureInfo.InvariantCulture, $"heat from the host's write log: {map.Map.CountOf(PageClass.Hot) - before:N0} frames written in {seconds:F1} s are the hot set"));
        }
        return map;
    }

    private DirtyBitmap? ReadDirtyLogFile(GuestMemoryLayout layout)
    {
        if (_options.DirtyLogFile is not { } file)
        {
            return null;
        }
        try
        {
            return SuppliedDirtyLog.Open(file, layout);
        }
        catch (DirtyLogFileException e)
        {
            Report($"dirty log refused: {e.Message}: free frames are sent");
            return null;
        }
    }

    /// <summary>What the guest wrote while the log ran, as a rate (frames written over the logged interval).</summary>
    private void ReportDirtyRate(IDirtyLog? log, GuestMemoryLayout layout)
    {
        long? frames = log switch
        {
            UffdWriteTracker tracker => tracker.DirtyCount,
            DirtyBitmap bitmap => (long)bitmap.CountDirty(),
            _ => null,
        };
        if (frames is not { } written || log!.SealedAt is not { } sealedAt)
        {
            return;
        }
        var seconds = Math.Max((sealedAt - log.TrackingStartedAt) / (double)Stopwatch.Frequency, 1e-3);
        _dirtyRate = written * layout.PageSize / seconds;
        Report(string.Create(CultureInfo.InvariantCulture, $"dirty log: {written:N0} frames written in {seconds:F2} s ({_dirtyRate / 1e6:F1} MB/s)"));
    }

    private (Func<ulong[]?, ITransferSchedule> Factory, TransferPlanner? Planner, string Description) Plan(AgentMemoryMap? map, GuestMemoryLayout layout, IDirtyLog? dirtyLog)
    {
        Func<ulong[]?, ITransferSchedule> addressOrder = received => new AddressOrderSchedule(layout, received);
        var addressOrderDescription = new AddressOrderSchedule(layout, null).Description;
        if (map is null || _options.Order == EvictionOrder.AddressOrder)
        {
            return (addressOrder, null, addressOrderDescription);
        }
        try
        {
            var planner = new TransferPlanner(map.Map, layout, map.RequestedAt, dirtyLog, _options.Planner);
            if (dirtyLog is not null && planner.SkippingState != SkippingStates.Enabled)
            {
                Report($"dirty log refused: {planner.SkippingState}: free frames are sent");
            }
            if (_options.Schedule is { } custom)
            {
                var factory = custom(planner);
                return (factory, planner, factory(null).Description);
            }
            var schedule = new PlannerSchedule(planner);
            return (schedule.Factory(), planner, schedule.Description);
        }
        catch (ClassMapMismatchException e)
        {
            Report($"class map dropped: {e.Message}");
            return (addressOrder, null, $"{addressOrderDescription} (the class map does not fit the VM)");
        }
    }

    private void ListenFor(PageServer server)
    {
        server.ConnectionFailed += (kind, e) =>
        {
            Interlocked.Increment(ref _drops);
            _outage = $"{(kind is { } k ? k.ToString().ToLowerInvariant() : "a")} connection dropped: {e.Message}";
        };
        server.Listen(_options.Listen);
        Report($"page server on {TransferEndPoint.Format(server.LocalEndPoint!)}, link {_options.Link}, waiting for the destination");
    }

    /// <summary>
    /// Hybrid: marks the write tracker, starts a page server over the running VM's memory that pushes the map's kernel and
    /// hot frames, and waits (bounded) until a destination took all of them. Null when hybrid cannot run here, saying why.
    /// </summary>
    private async Task<(PageServer? Server, IPageSource? LiveMemory)> PushBeforeSwitchoverAsync(GuestMemoryLayout layout, AgentMemoryMap? map, IDirtyLog? liveLog, PageServerOptions serverOptions, CancellationToken cancellationToken)
    {
        const string fallback = ": everything moves after switchover";
        var live = await Bounded(t => _options.Vmm.OpenLiveMemoryAsync(layout, t), _options.StepTimeout, $"{_options.Vmm.Description}: live memory", cancellationToken).ConfigureAwait(false);
        if (live is null)
        {
            Report($"pre-switchover push: not done: {_options.Vmm.Description} gives its memory only once paused (the destination takes pages after the snapshot loads)" + fallback);
            await StopThrottlingAsync("nothing is pushed", cancellationToken).ConfigureAwait(false);
            return (null, null);
        }
        var missing = map is null
            ? "no class map names the hot set"
            : liveLog is not UffdWriteTracker
                ? "no live write tracker to tell which pushed pages the guest writes again"
                : null;
        if (missing is not null)
        {
            live.Dispose();
            Report($"pre-switchover push: not done: {missing}" + fallback);
            await StopThrottlingAsync("nothing is pushed", cancellationToken).ConfigureAwait(false);
            return (null, null);
        }
        var tracker = (UffdWriteTracker)liveLog!;
        // Like a pre-copy round, the push only pays while it outruns the guest's writes. Above the dirty budget (the share
        // of the link the guest may dirty, what throttling holds rogues to) the hot set is rewritten about as fast as it
        // moves: then nothing is pushed, the switchover comes at once and the kernel and hot frames lead the order after
        // it (pushing the kernel's alone delayed the switchover by its ~60 MB and won nothing on the benchmark's guest).
        tracker.Collect();
        var logged = Math.Max(Stopwatch.GetElapsedTime(tracker.TrackingStartedAt).TotalSeconds, 1e-3);
        var dirtyRate = tracker.DirtyCount * (double)layout.PageSize / logged;
        var budget = _options.Link.IsUnlimited ? double.PositiveInfinity : _options.Link.BytesPerSecond * _options.DirtyBudgetShare;
        if (dirtyRate > budget)
        {
            live.Dispose();
            Report(string.Create(CultureInfo.InvariantCulture, $"pre-switchover push: not done: the guest wrote {tracker.DirtyCount:N0} frames in {logged:F1} s ({dirtyRate / 1e6:F1} MB/s), above the dirty budget of {budget / 1e6:F1} MB/s: its hot frames would be rewritten as fast as they move") + fallback);
            await StopThrottlingAsync("nothing is pushed", cancellationToken).ConfigureAwait(false);
            return (null, null);
        }
        // Marked before the first read: a page read by the push and written afterwards is sent again at switchover.
        tracker.Mark();
        var frames = new List<ulong>();
        foreach (var pageClass in (ReadOnlySpan<PageClass>)[PageClass.Kernel, PageClass.Hot])
        {
            foreach (var run in map!.Map.Runs)
            {
                if (run.Class == pageClass)
                {
                    for (var gfn = run.StartGfn; gfn < run.EndGfn && gfn < layout.TotalFrames; gfn++)
                    {
                        frames.Add(gfn);
                    }
                }
            }
        }
        PageServer server;
        try
        {
            server = PageServer.BeforeSwitchover(live, layout, frames, serverOptions);
        }
        catch
        {
            live.Dispose();
            throw;
        }
        ListenFor(server);
        Report(string.Create(CultureInfo.InvariantCulture, $"pre-switchover push: {server.PushFrames:N0} kernel and hot frames while the VM runs"));
        await Task.WhenAny(WaitAsync(server.PushDone, cancellationToken), Task.Delay(_options.PreSwitchoverTimeout, cancellationToken)).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        var now = server.Counters.Snapshot();
        LastTransfer = now;
        Report(server.PushDone.WaitOne(0)
            ? string.Create(CultureInfo.InvariantCulture, $"pre-switchover push done: {now.PushedBeforeSwitchover:N0} frames, {now.TotalBytes / 1e6:F1} MB")
            : string.Create(CultureInfo.InvariantCulture, $"pre-switchover push cut short after {_options.PreSwitchoverTimeout.TotalSeconds:0.#} s: {now.PushedBeforeSwitchover:N0} of {server.PushFrames:N0} frames{(now.Connections == 0 ? " (no destination yet)" : "")}"));
        return (server, live);
    }

    /// <summary>Waits for the destination, then until it has every page (it closes the stream after its end); true once a destination connected.</summary>
    private async Task<bool> TransferAsync(PageServer server, TransferPlanner? planner, GuestMemoryLayout layout, Action connected, CancellationToken cancellationToken)
    {
        var done = WaitAsync(server.DestinationFinished, cancellationToken);
        var deadline = _clock.Elapsed + _options.TransferTimeout;
        var before = server.Counters.Snapshot();
        var beforeAt = _clock.Elapsed;
        var anyConnection = false;
        while (true)
        {
            var finished = await Task.WhenAny(done, Task.Delay(_options.ProgressInterval, cancellationToken)).ConfigureAwait(false) == done;
            cancellationToken.ThrowIfCancellationRequested();
            var now = server.Counters.Snapshot();
            LastTransfer = now;
            if (!anyConnection && now.Connections > 0)
            {
                anyConnection = true;
                connected();
                Report("destination connected: the VM runs there from now on");
            }
            var at = _clock.Elapsed;
            Sample(now, before, at - beforeAt, planner, layout);
            before = now;
            beforeAt = at;
            if (finished)
            {
                await done.ConfigureAwait(false);
                if (planner is not null)
                {
                    var plan = planner.GetStatistics();
                    Report(string.Create(CultureInfo.InvariantCulture, $"plan: {plan.BackgroundFrames:N0} frames in class order, {plan.PivotFrames:N0} pre-paged around faults, {plan.UrgentFrames:N0} on demand, {plan.ZeroFilledFrames:N0} zero-filled at the destination"));
                }
                Report(string.Create(CultureInfo.InvariantCulture, $"post-copy done: {now.PagesSent:N0} pages, {now.ZeroPages:N0} zero, {now.SkippedFrames:N0} skipped, {now.UrgentRequests:N0} faults served, {now.TotalBytes / 1e6:F1} MB{(now.PushedBeforeSwitchover > 0 ? string.Create(CultureInfo.InvariantCulture, $"; {now.PushedBeforeSwitchover:N0} pushed before the switchover, {now.ResentAtSwitchover:N0} of them sent again (written meanwhile)") : "")}"));
                return anyConnection;
            }
            if (at > deadline)
            {
                throw new TimeoutException(anyConnection
                    ? $"the transfer did not finish within {_options.TransferTimeout.TotalMinutes:0.#} min"
                    : $"no destination connected within {_options.TransferTimeout.TotalMinutes:0.#} min");
            }
        }
    }

    private void Sample(PageServerStatistics now, PageServerStatistics before, TimeSpan interval, TransferPlanner? planner, GuestMemoryLayout layout)
    {
        var remaining = new long[PageServerCounters.ClassSlots];
        if (planner is not null)
        {
            var statistics = planner.GetStatistics();
            for (var c = 0; c < remaining.Length; c++)
            {
                remaining[c] = Math.Max(0, (long)statistics.ToSend((PageClass)c) * layout.PageSize - now.BytesByPageClass[c]);
            }
        }
        var seconds = Math.Max(interval.TotalSeconds, 1e-3);
        Publish(new EvictionProgress
        {
            Phase = _phase,
            BytesSentByClass = now.BytesByPageClass,
            BytesRemainingByClass = planner is null ? [] : remaining,
            PagesPerSecond = (now.PagesSent + now.ZeroPages - before.PagesSent - before.ZeroPages) / seconds,
        }, now);
    }

    private async Task HeartbeatLoopAsync(CancellationToken stop)
    {
        var agent = _agent!;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(_options.HeartbeatInterval, stop).ConfigureAwait(false);
                using var bounded = CancellationTokenSource.CreateLinkedTokenSource(stop);
                bounded.CancelAfter(_options.HeartbeatTimeout);
                await agent.HeartbeatAsync(bounded.Token).ConfigureAwait(false);
                var status = await agent.GetStatusAsync(bounded.Token).ConfigureAwait(false);
                _throttled = status.Throttle?.Processes.Count ?? (int)status.ThrottledProcesses;
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LoseAgent($"heartbeat: {(e is OperationCanceledException ? $"no answer within {_options.HeartbeatTimeout.TotalSeconds:0.#} s" : e.Message)}");
        }
    }

    private async Task EndEvictionAsync(bool succeeded)
    {
        if (_agent is not { } agent || _agentState != AgentState.Connected || _agentSession == 0)
        {
            if (_agentState == AgentState.Lost)
            {
                Report("EndEviction skipped: the agent is gone (it releases its throttles itself on heartbeat loss)");
            }
            return;
        }
        await AgentStepAsync("EndEviction", async t =>
        {
            var ended = await agent.EndEvictionAsync(_agentSession, succeeded, t).ConfigureAwait(false);
            _agentState = AgentState.Ended;
            _throttled = 0;
            Report($"EndEviction: {ended.ReleasedProcesses} processes released");
        }, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>One agent request, bounded; a failure loses the agent and the session goes on.</summary>
    private async Task AgentStepAsync(string what, Func<CancellationToken, Task> step, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        if (_agentState != AgentState.Connected)
        {
            return;
        }
        try
        {
            await Bounded(async t =>
            {
                await step(t).ConfigureAwait(false);
                return true;
            }, timeout ?? _options.StepTimeout, $"agent {what}", cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LoseAgent($"{what}: {e.Message}");
        }
    }

    private void LoseAgent(string reason)
    {
        if (_agentState != AgentState.Connected)
        {
            return;
        }
        _agentState = AgentState.Lost;
        Report($"agent lost ({reason}): the migration goes on with what it has");
    }

    private static async Task<T> Bounded<T>(Func<CancellationToken, Task<T>> call, TimeSpan timeout, string what, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);
        try
        {
            return await call(bounded.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{what}: no answer within {timeout.TotalSeconds:0.#} s");
        }
    }

    private static Task Bounded(Func<CancellationToken, Task> call, TimeSpan timeout, string what, CancellationToken cancellationToken) =>
        Bounded(async t =>
        {
            await call(t).ConfigureAwait(false);
            return true;
        }, timeout, what, cancellationToken);

    private async Task<bool> TryAsync(Func<Task> action, string what)
    {
        try
        {
            await action().ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Report($"{what} failed: {e.Message}");
            return false;
        }
    }

    private static Task WaitAsync(WaitHandle handle, CancellationToken cancellationToken)
    {
        var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var registration = ThreadPool.RegisterWaitForSingleObject(handle, (_, _) => completion.TrySetResult(), null, Timeout.Infinite, executeOnlyOnce: true);
        var cancel = cancellationToken.Register(() => completion.TrySetCanceled(cancellationToken));
        _ = completion.Task.ContinueWith(_ =>
        {
            registration.Unregister(null);
            cancel.Dispose();
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return completion.Task;
    }

    private static Func<ulong, int> ClassLookup(PageClassMap map)
    {
        var runs = map.Runs.ToArray();
        return gfn =>
        {
            int lo = 0, hi = runs.Length - 1;
            while (lo <= hi)
            {
                var mid = (lo + hi) >>> 1;
                if (gfn < runs[mid].StartGfn)
                {
                    hi = mid - 1;
                }
                else if (gfn >= runs[mid].EndGfn)
                {
                    lo = mid + 1;
                }
                else
                {
                    return (int)runs[mid].Class;
                }
            }
            return (int)PageClass.Unproven;
        };
    }

    private void Enter(EvictionPhase phase)
    {
        lock (_progressGate)
        {
            if (phase != _phase)
            {
                var now = _clock.Elapsed;
                _phaseTimes.Add(new EvictionPhaseTime(_phase, now - _phaseStarted));
                _phase = phase;
                _phaseStarted = now;
            }
        }
    }

    private void Report(string message)
    {
        lock (_progressGate)
        {
            _notes.Add(message);
        }
        Publish(new EvictionProgress { Phase = _phase, Message = message }, LastTransfer);
    }

    private void Publish(EvictionProgress progress, PageServerStatistics? transfer)
    {
        lock (_progressGate)
        {
            _progress.OnNext(progress with
            {
                Elapsed = _clock.Elapsed,
                BytesSent = transfer?.TotalBytes ?? 0,
                BytesSentByClass = transfer?.BytesByPageClass ?? progress.BytesSentByClass,
                FaultsServed = transfer?.UrgentRequests ?? 0,
                SkippedFrames = transfer?.SkippedFrames ?? 0,
                UrgentWait = transfer?.UrgentWait ?? default,
                ReleasedBytes = transfer?.ReleasedBytes ?? 0,
                ThrottledProcesses = _throttled,
                DirtyBytesPerSecond = _dirtyRate,
                Agent = _agentState,
                Outage = _outage,
                ConnectionDrops = Volatile.Read(ref _drops),
            });
        }
    }

    /// <summary>The phase as `evict --json` and messages spell it: "connect-agent", "memory-map", "post-copy", ...</summary>
    public static string Name(EvictionPhase phase) => phase switch
    {
        EvictionPhase.ConnectAgent => "connect-agent",
        EvictionPhase.StartDirtyLog => "start-dirty-log",
        EvictionPhase.BeginEviction => "begin-eviction",
        EvictionPhase.MemoryMap => "memory-map",
        EvictionPhase.PreSwitchover => "pre-switchover",
        EvictionPhase.PostCopy => "post-copy",
        EvictionPhase.SourceFree => "source-free",
        EvictionPhase.EndEviction => "end-eviction",
        _ => phase.ToString().ToLowerInvariant(),
    };
}
