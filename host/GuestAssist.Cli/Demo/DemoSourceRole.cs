using System.Diagnostics;
using GuestAssist.Host.Planning;
using GuestAssist.Host.Source;
using GuestAssist.Host.Transfer;

namespace GuestAssist.Cli.Demo;

/// <summary>
/// The source "VM" process: guest memory in a memfd, a workload that writes known patterns, a class map, a dirty log
/// covering report → switchover, then a page server for the destination. Prints "READY pid memfd" once serving and a
/// RESULT line with its counters when the parent closes its stdin.
/// </summary>
public static class DemoSourceRole
{
    /// <summary>Frames the forward pre-paging experiment streams above a fault: the planner's pivot reach upward.</summary>
    private static readonly int ForwardWindow = TransferPlannerOptions.Default.PivotRadius;

    public static int Run(DemoScenario scenario, DemoPolicy policy, int? maxPivots, string listen, LinkRate link, TextReader input, TextWriter output)
    {
        using var vm = new DemoSourceVm(scenario);

        // The dirty log starts before the map is requested and is sealed at switchover, so it covers report → switchover
        // (invariant 1); the workload's generation-2 stores are seen only by the log, nobody tells it which frames they were.
        using var dirtyLog = DemoDirtyLog.Start(vm.Layout);
        var mapRequestedAt = Stopwatch.GetTimestamp();
        vm.RunUntilSwitchover();
        dirtyLog.Seal(); // switchover: the VM is stopped here

        var pivots = policy switch
        {
            DemoPolicy.Enlightened => maxPivots ?? TransferPlannerOptions.Default.MaxPivots,
            _ => 0,
        };
        Func<ulong[]?, ITransferSchedule> factory = policy switch
        {
            DemoPolicy.AddressOrder => received => new AddressOrderSchedule(scenario.Layout, received),
            DemoPolicy.EnlightenedForwardPrepaging => new ForwardPrepagingSchedule(Planner(scenario, mapRequestedAt, dirtyLog, 0), ForwardWindow).Factory(),
            _ => new PlannerSchedule(Planner(scenario, mapRequestedAt, dirtyLog, pivots)).Factory(),
        };
        using var source = new MappedFilePageSource($"/proc/self/fd/{vm.File.Fd}", scenario.Layout);
        using var server = new PageServer(source, scenario.Layout, factory, new PageServerOptions
        {
            Link = link.IsUnlimited ? null : new TokenBucket(link),
            PageClassOf = gfn => (int)scenario.Classes[gfn],
            Secret = Commands.TransferSecretOptions.Resolve(null),
        });
        server.Listen(TransferEndPoint.Parse(listen));
        output.WriteLine($"READY {Environment.ProcessId} {vm.File.Fd}");
        output.Flush();
        while (input.ReadLine() is not null)
        {
        }

        var stats = server.Counters.Snapshot();
        var result = new DemoResult();
        result.Set("urgent_bytes", stats.UrgentBytes);
        result.Set("background_bytes", stats.BackgroundBytes);
        result.Set("pages_sent", stats.PagesSent);
        result.Set("zero_pages", stats.ZeroPages);
        result.Set("skipped_frames", stats.SkippedFrames);
        result.Set("urgent_requests", stats.UrgentRequests);
        result.Set("batches", stats.Batches);
        result.Set("connections", stats.Connections);
        for (var c = 0; c < PageServerCounters.ClassSlots; c++)
        {
            result.Set($"class{c}_bytes", stats.BytesByPageClass[c]);
        }
        result["schedule"] = server.ScheduleDescription ?? "";
        result.Set("max_pivots", pivots);
        result.Set("dirty_frames", dirtyLog.FramesWritten);
        result["dirty_log"] = dirtyLog.Describe();
        output.WriteLine(result.ToString());
        output.Flush();
        return 0;
    }

    private static TransferPlanner Planner(DemoScenario scenario, long mapRequestedAt, DemoDirtyLog dirtyLog, int pivots) =>
        new(scenario.Map, scenario.Layout, mapRequestedAt, dirtyLog.Log, new TransferPlannerOptions { MaxPivots = pivots });
}
