using System.Diagnostics;
using GuestAssist.Host.Agent;
using GuestAssist.Host.EvictionSession;
using GuestAssist.Host.Planning;
using GuestAssist.Host.Source;
using GuestAssist.Host.Vmm;
using GuestAssist.Linux.Transports;
using GuestAssist.Protocol.V1;
using EvictionMode = GuestAssist.Host.EvictionSession.EvictionMode;
using GuestAssist.Simulation.VirtualMachine;

namespace GuestAssist.Cli.Demo;

/// <summary>
/// The source "VM" process, evicted through the same <see cref="Eviction"/> session as `guestassist evict`: guest memory
/// in a memfd, a workload that writes known patterns, the scenario's class map asked at the session's map phase, a dirty
/// log the session starts before that and seals at switchover (the VM adapter's pause is "the workload reaches
/// switchover"), then the session's page server for the destination. Prints "READY pid memfd" once serving and a RESULT
/// line with its counters when the parent closes its stdin.
/// </summary>
public static class DemoSourceRole
{
    /// <summary>Frames the forward pre-paging experiment streams above a fault: the planner's pivot reach upward.</summary>
    private static readonly int ForwardWindow = TransferPlannerOptions.Default.PivotRadius;

    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    public static int Run(DemoScenario scenario, DemoPolicy policy, int? maxPivots, string listen, LinkRate link, EvictionMode mode, TextReader input, TextWriter output)
    {
        using var vm = new DemoSourceVm(scenario);
        DemoDirtyLog? dirtyLog = null;
        var pivots = policy == DemoPolicy.Enlightened ? maxPivots ?? TransferPlannerOptions.Default.MaxPivots : 0;
        // The VM runs in this process: "pause" lets the workload write its generation-2 stores (seen only by the dirty
        // log) and stop there, which is switchover; its memory is served from the memfd.
        var vmm = new DelegateVmm(
            "demo VM (this process)",
            _ => Task.FromResult(scenario.Layout),
            _ =>
            {
                vm.RunUntilSwitchover();
                return Task.CompletedTask;
            },
            (layout, _) => Task.FromResult<IPageSource>(new MappedFilePageSource($"/proc/self/fd/{vm.File.Fd}", layout)),
            _ => Task.CompletedTask,
            // The memfd is shared: the hybrid push reads it while the workload still runs.
            (layout, _) => Task.FromResult<IPageSource?>(new MappedFilePageSource($"/proc/self/fd/{vm.File.Fd}", layout)));
        var options = new EvictionOptions
        {
            Vmm = vmm,
            Listen = TransportAddress.Parse(listen),
            Link = link,
            Mode = mode,
            // The destination compares every page with this memfd after the transfer: keep it whole.
            ReleaseSource = false,
            Secret = Commands.TransferSecretOptions.Resolve(null),
            // The dirty log starts before the map is requested and is sealed at switchover, so it covers report → switchover.
            StartDirtyLog = _ =>
            {
                dirtyLog = DemoDirtyLog.Start(vm.Layout);
                return dirtyLog.Log;
            },
            RequestMap = _ => Task.FromResult(new AgentMemoryMap(scenario.Map, Stopwatch.GetTimestamp(), HeatMethod.None, 0, 0)),
            Order = policy == DemoPolicy.AddressOrder ? EvictionOrder.AddressOrder : EvictionOrder.Planner,
            Planner = new TransferPlannerOptions { MaxPivots = pivots },
            Schedule = policy == DemoPolicy.EnlightenedForwardPrepaging ? planner => new ForwardPrepagingSchedule(planner, ForwardWindow).Factory() : null,
            TransferTimeout = Timeout,
        };
        var eviction = new Eviction(options);
        EvictionResult evicted;
        try
        {
            evicted = Evict(eviction, vm, output, input);
        }
        finally
        {
            eviction.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        var stats = evicted.Transfer!;
        var result = new DemoResult();
        result.Set("urgent_bytes", stats.UrgentBytes);
        result.Set("background_bytes", stats.BackgroundBytes);
        result.Set("pages_sent", stats.PagesSent);
        result.Set("zero_pages", stats.ZeroPages);
        result.Set("skipped_frames", stats.SkippedFrames);
        result.Set("urgent_requests", stats.UrgentRequests);
        result.Set("batches", stats.Batches);
        result.Set("connections", stats.Connections);
        result.Set("pushed_before_switchover", stats.PushedBeforeSwitchover);
        result.Set("resent_at_switchover", stats.ResentAtSwitchover);
        result.Set("confirmed_frames", stats.ConfirmedFrames);
        result.Set("urgent_wait_p50_us", stats.UrgentWait.P50.TotalMicroseconds);
        result.Set("urgent_wait_p99_us", stats.UrgentWait.P99.TotalMicroseconds);
        result["mode"] = mode == EvictionMode.Hybrid ? "hybrid" : "post-copy";
        for (var c = 0; c < PageServerCounters.ClassSlots; c++)
        {
            result.Set($"class{c}_bytes", stats.BytesByPageClass[c]);
        }
        result["schedule"] = evicted.Plan;
        result.Set("max_pivots", pivots);
        result.Set("dirty_frames", dirtyLog?.FramesWritten ?? 0);
        result["dirty_log"] = dirtyLog?.Describe() ?? "none";
        foreach (var phase in evicted.PhaseTimes)
        {
            result.Set($"phase_{Eviction.Name(phase.Phase).Replace('-', '_')}_ms", phase.Duration.TotalMilliseconds);
        }
        output.WriteLine(result.ToString());
        output.Flush();
        return 0;
    }

    /// <summary>Runs the session: READY once its page server listens, then waits for the parent to close stdin and for the session's end.</summary>
    private static EvictionResult Evict(Eviction eviction, DemoSourceVm vm, TextWriter output, TextReader input)
    {
        var serving = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = eviction.Progress.Subscribe(p =>
        {
            if (p.Message?.StartsWith("page server on", StringComparison.Ordinal) == true)
            {
                serving.TrySetResult();
            }
        });
        var run = eviction.RunAsync();
        if (Task.WaitAny([serving.Task, run], Timeout) < 0 || !serving.Task.IsCompleted)
        {
            var failed = run.IsCompleted ? run.Result.Error : "no page server within the timeout";
            throw new InvalidOperationException($"the demo eviction did not start serving: {failed}");
        }
        output.WriteLine($"READY {Environment.ProcessId} {vm.File.Fd}");
        output.Flush();
        while (input.ReadLine() is not null)
        {
        }
        if (!run.Wait(Timeout))
        {
            throw new TimeoutException($"the demo eviction did not finish within {Timeout}");
        }
        var evicted = run.Result;
        if (evicted.Outcome != EvictionOutcome.Completed)
        {
            throw new InvalidOperationException($"the demo eviction {evicted.Outcome.ToString().ToLowerInvariant()}: {evicted.Error}");
        }
        return evicted;
    }
}
