using System.CommandLine;
using GuestAssist.Cli.Demo;
using GuestAssist.Host.Destination;
using GuestAssist.Host.EvictionSession;
using GuestAssist.Host.Source;
using GuestAssist.Host.Transfer;
using GuestAssist.Simulation.VirtualMachine;

namespace GuestAssist.Cli.Commands;

/// <summary>
/// `guestassist migrate-demo`: a post-copy migration of a demo VM between two processes over a limited link,
/// every page verified. Hidden --role source|destination modes are the two processes.
/// </summary>
public static class MigrateDemoCommand
{
    public static Command Create()
    {
        var size = new Option<string>("--size") { Description = "guest memory size (e.g. 256MiB)", DefaultValueFactory = _ => "256MiB" };
        var link = new Option<string>("--link") { Description = "emulated link rate shared by both channels (100mbit, 1gbit, 10gbit, 500MB/s, unlimited)", DefaultValueFactory = _ => "1gbit" };
        var policy = new Option<string>("--policy") { Description = "address-order (QEMU post-copy), enlightened, enlightened-no-prepaging, enlightened-forward (experiment: forward pre-paging from the newest fault), both (the first two side by side) or all", DefaultValueFactory = _ => "both" };
        policy.AcceptOnlyFromAmong("address-order", "enlightened", "enlightened-no-prepaging", "enlightened-forward", "both", "all");
        var cutAfter = new Option<long?>("--cut-after") { Description = "cut the background and the urgent connection after N pages (recovery drill)" };
        var workload = new Option<string>("--workload") { Description = "what the guest touches right after switchover: scattered (hot and kernel frames one by one, shuffled) or sequential-runs (runs of 16-256 neighbouring frames in address order, runs shuffled)", DefaultValueFactory = _ => "scattered" };
        workload.AcceptOnlyFromAmong("scattered", "sequential-runs");
        var maxPivots = new Option<int?>("--max-pivots") { Description = "pre-paging pivots of the enlightened policy (default: the planner's TransferPlannerOptions.MaxPivots), to measure the setting" };
        maxPivots.Validators.Add(r =>
        {
            if (r.GetValue(maxPivots) is < 0 or > 64)
            {
                r.AddError("--max-pivots must be 0..64");
            }
        });
        var mode = new Option<string>("--mode") { Description = "post-copy (everything after switchover) or hybrid (the hot set pushed while the VM runs, what it writes since sent again at switchover)", DefaultValueFactory = _ => "post-copy" };
        mode.AcceptOnlyFromAmong("post-copy", "hybrid");
        var seed = new Option<int>("--seed") { Description = "scenario seed", DefaultValueFactory = _ => 42 };
        var role = new Option<string?>("--role") { Hidden = true };
        var listen = new Option<string?>("--listen") { Hidden = true };
        var connect = new Option<string?>("--connect") { Hidden = true };
        var sourcePid = new Option<int>("--source-pid") { Hidden = true };
        var sourceFd = new Option<int>("--source-fd") { Hidden = true };
        var command = new Command("migrate-demo", "post-copy migration of a demo VM between two processes, every page checksum-verified");
        foreach (var option in new Option[] { size, link, policy, workload, maxPivots, cutAfter, mode, seed, role, listen, connect, sourcePid, sourceFd })
        {
            command.Options.Add(option);
        }
        command.SetAction(parse =>
        {
            try
            {
                var scenarioSize = ByteSize.Parse(parse.GetValue(size)!);
                var rate = LinkRate.Parse(parse.GetValue(link)!);
                var kind = DemoOrchestrator.ParseWorkload(parse.GetValue(workload)!);
                var evictionMode = parse.GetValue(mode) == "hybrid" ? EvictionMode.Hybrid : EvictionMode.PostCopy;
                switch (parse.GetValue(role))
                {
                    case "source":
                        return DemoSourceRole.Run(new DemoScenario(scenarioSize, parse.GetValue(seed), kind), DemoOrchestrator.Parse(parse.GetValue(policy)!), parse.GetValue(maxPivots), parse.GetValue(listen)!, rate, evictionMode, Console.In, Console.Out);
                    case "destination":
                        var n = parse.GetValue(cutAfter);
                        ConnectionCut[] cuts = n is { } after ? [new(ChannelKind.Background, after), new(ChannelKind.Urgent, after)] : [];
                        return DemoDestinationRole.Run(new DemoScenario(scenarioSize, parse.GetValue(seed), kind), parse.GetValue(connect)!, parse.GetValue(sourcePid), parse.GetValue(sourceFd), cuts, Console.Out);
                    case null:
                        break;
                    default:
                        throw new ArgumentException($"unknown role {parse.GetValue(role)}");
                }
                _ = new DemoScenario(scenarioSize, parse.GetValue(seed), kind); // validate before spawning
                var policies = parse.GetValue(policy) switch
                {
                    "both" => new[] { DemoPolicy.AddressOrder, DemoPolicy.Enlightened },
                    "all" => [DemoPolicy.AddressOrder, DemoPolicy.Enlightened, DemoPolicy.EnlightenedWithoutPrepaging, DemoPolicy.EnlightenedForwardPrepaging],
                    var one => [DemoOrchestrator.Parse(one!)],
                };
                Console.WriteLine($"migrate-demo: {scenarioSize >> 20} MiB guest, link {rate}, seed {parse.GetValue(seed)}, workload {DemoOrchestrator.Name(kind)}, {parse.GetValue(mode)}");
                var orchestrator = DemoOrchestrator.ForThisProcess();
                var runs = policies.Select(p => orchestrator.Run(p, scenarioSize, parse.GetValue(link)!, parse.GetValue(seed), parse.GetValue(cutAfter), kind, parse.GetValue(maxPivots), evictionMode)).ToList();
                DemoReport.Print(runs, Console.Out);
                return runs.All(r => r.Verified) ? 0 : 1;
            }
            catch (Exception e) when (e is FormatException or ArgumentException or IOException or InvalidOperationException or TimeoutException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"migrate-demo: {e.Message}");
                return 2;
            }
        });
        return command;
    }
}
