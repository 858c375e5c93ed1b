using GuestAssist.Host.Agent;
using GuestAssist.Host.DirtyLog;
using GuestAssist.Host.Layout;
using GuestAssist.Host.Planning;
using GuestAssist.Host.Source;
using GuestAssist.Host.Transfer;
using GuestAssist.Host.Vmm;
using GuestAssist.Linux.Transports;

namespace GuestAssist.Host.EvictionSession;

/// <summary>What to evict and how. Only <see cref="Vmm"/> and <see cref="Listen"/> are required.</summary>
public sealed record EvictionOptions
{
    public required IVmmAdapter Vmm { get; init; }

    /// <summary>Where the page server waits for the destination (`uffd-handler --source`): unix:/path or tcp:host:port.</summary>
    public required TransportAddress Listen { get; init; }

    /// <summary>The guest agent (e.g. hybrid:/srv/vm1/v.sock:5000); null: no agent, address order.</summary>
    public TransportAddress? Agent { get; init; }

    public AgentClientOptions AgentClient { get; init; } = new();

    /// <summary>
    /// Post-copy (everything after switchover) or hybrid: the hot set (kernel and hot classes of the map) pushed while the VM
    /// still runs, then what the guest wrote since sent again at switchover. Hybrid needs the VMM's memory while it runs
    /// (<see cref="IVmmAdapter.OpenLiveMemoryAsync"/>), a class map and a live write tracker (<see cref="StartDirtyLog"/>
    /// giving a <see cref="UffdWriteTracker"/>); without them the session says so and runs post-copy.
    /// </summary>
    public EvictionMode Mode { get; init; } = EvictionMode.PostCopy;

    /// <summary>How long the hybrid push may take, the destination's connecting included; switchover follows then in any case.</summary>
    public TimeSpan PreSwitchoverTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Release the source's copy page by page as the destination confirms pages installed (punched out of the memory file),
    /// where the captured memory supports it (<see cref="IPageSource.CanRelease"/>). Turn off when something reads the
    /// source's memory after the eviction (a verifier, a fallback copy).
    /// </summary>
    public bool ReleaseSource { get; init; } = true;

    /// <summary>The link to the destination; it limits both channels and sets the agent's dirty budget.</summary>
    public LinkRate Link { get; init; } = LinkRate.Unlimited;

    /// <summary>Share of the link the guest may dirty while the eviction runs (the agent throttles above it).</summary>
    public double DirtyBudgetShare { get; init; } = 0.5;

    /// <summary>Processes the agent may throttle (empty: the heaviest dirtiers it finds) and never throttles.</summary>
    public IReadOnlyList<int> ThrottleTargets { get; init; } = [];

    public IReadOnlyList<int> ProtectedPids { get; init; } = [];

    public TransferSecret? Secret { get; init; }

    /// <summary>
    /// Starts a live dirty log over the guest (called before the map is requested; sealed at switchover), e.g.
    /// <c>layout => UffdWriteTracker.ForProcess(...)</c>; null when the VMM supplies one at switchover or none exists.
    /// </summary>
    public Func<GuestMemoryLayout, IDirtyLog?>? StartDirtyLog { get; init; }

    /// <summary>A dirty log the VMM writes at switchover (GADIRTY1 bitmap or Firecracker diff snapshot), read after the pause.</summary>
    public string? DirtyLogFile { get; init; }

    /// <summary>
    /// The class map from elsewhere than the agent (a map file, a simulated guest), asked at the map phase — after the dirty
    /// log started, so its <see cref="AgentMemoryMap.RequestedAt"/> can be covered. Used when no agent gives a map.
    /// </summary>
    public Func<CancellationToken, Task<AgentMemoryMap>>? RequestMap { get; init; }

    /// <summary>
    /// Called once the page server listens, after the pause: whatever makes the destination VM start taking pages, e.g.
    /// QEMU's migration of the device state alone (x-ignore-shared) into a destination QEMU whose RAM is served by
    /// `uffd-handler --source`. Its faults are served while it runs. Null: the destination starts on its own
    /// (Firecracker: the snapshot is loaded with a Uffd mem_backend).
    /// </summary>
    public Func<CancellationToken, Task>? StartDestination { get; init; }

    /// <summary>The planner's order (default), or address order for comparison (the map then only labels what is sent).</summary>
    public EvictionOrder Order { get; init; } = EvictionOrder.Planner;

    /// <summary>Where the map's heat comes from: the agent's heat window (default) or the host's live write log.</summary>
    public EvictionHeat Heat { get; init; } = EvictionHeat.Agent;

    /// <summary>
    /// With <see cref="EvictionHeat.HostWriteLog"/>, how long the write log has run at least when the hot set is read from
    /// it (the session waits out the rest after the map, the VM running): a short log misses writers' frames, and the
    /// map alone now takes under a second (0.6 s of log found about half the hot frames 1.9 s found). The agent's own
    /// heat window defaults to the same 2 s.
    /// </summary>
    public TimeSpan HostHeatWindow { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>An experimental schedule over the planner (the demo's forward pre-paging); null: the planner's own.</summary>
    public Func<TransferPlanner, Func<ulong[]?, ITransferSchedule>>? Schedule { get; init; }

    public TransferPlannerOptions Planner { get; init; } = TransferPlannerOptions.Default;

    /// <summary>Bound on each agent step (connect + Hello, BeginEviction, EndEviction) and each VMM call.</summary>
    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Bound on the map (the scan and its heat window).</summary>
    public TimeSpan MapTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long the page server waits for the destination and then for the whole transfer.</summary>
    public TimeSpan TransferTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// How often the live dirty log's latest window goes to the agent as DirtyFrames (<see cref="Agent.DirtyFramesFeed"/>),
    /// so it can attribute and throttle on guest kernels without soft-dirty; <see cref="TimeSpan.Zero"/> sends none.
    /// Only with a live <see cref="DirtyLog.UffdWriteTracker"/> and a connected agent.
    /// </summary>
    public TimeSpan DirtyFramesInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Heartbeats and status polls to the agent; the agent releases everything after <see cref="HeartbeatTimeout"/> without one.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan HeartbeatTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How often progress is sampled while pages move.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromMilliseconds(250);
}
