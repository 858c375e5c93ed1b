using System.Diagnostics;
using GuestAssist.Host.Destination;
using GuestAssist.Host.Source;
using GuestAssist.Host.Transfer;
using GuestAssist.Linux.Memory;
using GuestAssist.Linux.Transports;
using GuestAssist.Linux.Userfaultfd;
using GuestAssist.Protocol.V1;
using GuestAssist.Simulation.VirtualMachine;

namespace GuestAssist.Cli.Demo;

/// <summary>
/// The destination process: VM memory is anonymous and uffd-registered; a fault server asks the post-copy client for
/// missing pages while the background stream fills the rest. The workload touches its working set first (see DemoWorkload), then a sample of
/// other pages (demand faults); at the end every page is compared with the source's memfd. Prints one RESULT line.
/// </summary>
internal static class DemoDestinationRole
{
    public static int Run(DemoScenario scenario, string connect, int sourcePid, int sourceFd, IReadOnlyList<ConnectionCut> cuts, TextWriter output)
    {
        var size = scenario.Frames * DemoScenario.PageSize;
        using var memory = MappedMemory.Anonymous(size);
        var uffd = Userfaultfd.Create(optional: UffdFeatures.EventRemove);
        uffd.Register(memory.Address64, size, UffdRegisterMode.Missing);
        var layout = scenario.Layout.WithHostAddresses([memory.Address64]);
        var clock = Stopwatch.StartNew();
        var secret = Commands.TransferSecretOptions.Resolve(null);
        var (faults, client) = FaultServer.Create(uffd, layout, server => new PostCopyClient(TransferEndPoint.From(TransportAddress.Parse(connect)), layout, server, new PostCopyClientOptions { Cuts = cuts, Secret = secret }));
        using var faultsLifetime = faults;
        using var clientLifetime = client;
        faults.Start();
        client.Start();
        // The VM runs here only once the source stopped it (hybrid: after the pushed hot set is final and installed).
        if (!client.WaitForSwitchover(TimeSpan.FromMinutes(10)))
        {
            throw new TimeoutException("the source never switched over");
        }
        var switchedOver = clock.Elapsed;

        foreach (var gfn in scenario.WorkingSet)
        {
            Touch(memory, gfn);
        }
        var hotServed = clock.Elapsed;
        var installedDuringWorkingSet = client.Statistics().PagesInstalled;
        var random = new Random(scenario.Seed);
        for (ulong gfn = 0; gfn < scenario.Frames; gfn++)
        {
            if (scenario.Classes[gfn] is not (PageClass.Free or PageClass.Hot or PageClass.Kernel) && random.Next(20) == 0)
            {
                Touch(memory, gfn);
            }
        }
        var workloadDone = clock.Elapsed;
        var complete = client.WaitForCompletion(TimeSpan.FromMinutes(10));
        var completed = clock.Elapsed;
        faults.Stop();

        var (ok, mismatches, firstMismatch) = Verify(scenario, memory, $"/proc/{sourcePid}/fd/{sourceFd}");
        var blocktime = faults.Blocktime.Summarize();
        var fs = faults.Statistics;
        var cs = client.Statistics();
        var result = new DemoResult();
        result.Set("complete", complete ? 1 : 0);
        result.Set("faults", fs.Faults);
        result.Set("urgent_requests", cs.UrgentRequestsSent);
        result.Set("blocktime_p50_us", blocktime.P50.TotalMicroseconds);
        result.Set("blocktime_p99_us", blocktime.P99.TotalMicroseconds);
        result.Set("blocktime_max_us", blocktime.Max.TotalMicroseconds);
        // From switchover: the moment the VM could run here (hybrid spends its push before it).
        result.Set("hot_served_ms", (hotServed - switchedOver).TotalMilliseconds);
        result.Set("switchover_wait_ms", switchedOver.TotalMilliseconds);
        // How fast pages arrived (both channels) while the working set ran: pre-paging that breaks the stream into single-page frames shows here.
        result.Set("working_set_install_rate", installedDuringWorkingSet / Math.Max(hotServed.TotalSeconds, 1e-3));
        result.Set("workload_ms", workloadDone.TotalMilliseconds);
        result.Set("completion_ms", completed.TotalMilliseconds);
        result.Set("pages_installed", cs.PagesInstalled);
        result.Set("zero_filled", cs.ZeroPagesFilled);
        result.Set("skipped_filled", cs.SkippedFramesFilled);
        result.Set("duplicates", cs.DuplicateDeliveries);
        // The fault server counts every EEXIST, those of the stream installs the client reports among them.
        result.Set("double_installs", fs.AlreadyPresent);
        result.Set("reconnects", cs.UrgentReconnects + cs.BackgroundReconnects);
        result.Set("cuts", cs.CutsInjected);
        result.Set("verified_ok", ok);
        result.Set("mismatches", mismatches);
        result["first_mismatch"] = firstMismatch;
        output.WriteLine(result.ToString());
        output.Flush();
        return mismatches == 0 && complete ? 0 : 1;
    }

    // Through native code: a managed thread blocked on a uffd fault would stall the GC and, with it, the fault server.
    private static void Touch(MappedMemory memory, ulong gfn) =>
        _ = FaultSafeMemory.Touch(memory.Address64 + (gfn * DemoScenario.PageSize));

    /// <summary>Every frame byte-identical to the source memfd and carrying its own pattern, except free frames the plan skipped, which must read zero.</summary>
    private static (long Ok, long Mismatches, string First) Verify(DemoScenario scenario, MappedMemory memory, string sourcePath)
    {
        using var source = new MappedFilePageSource(sourcePath, scenario.Layout);
        var page = new byte[DemoScenario.PageSize];
        var here = new byte[DemoScenario.PageSize];
        var expected = new byte[PagePattern.Bytes];
        var written = scenario.WrittenAfterReport.ToHashSet();
        long ok = 0, bad = 0;
        var first = "";
        for (ulong gfn = 0; gfn < scenario.Frames; gfn++)
        {
            source.Read(gfn, 1, page);
            FaultSafeMemory.Read(memory.Address64 + (gfn * DemoScenario.PageSize), here);
            if (scenario.IsSkippable(gfn, written) && ZeroPage.IsZero(here))
            {
                ok++; // invariant 2: a skipped free frame reads as zero
                continue;
            }
            var good = here.AsSpan().SequenceEqual(page);
            var generation = written.Contains(gfn) ? 2u : scenario.HasInitialContent(gfn) ? 1u : 0u;
            if (generation == 0)
            {
                good &= ZeroPage.IsZero(page);
            }
            else
            {
                PagePattern.Write(expected, gfn, generation);
                good &= here.AsSpan(0, PagePattern.Bytes).SequenceEqual(expected);
            }
            if (good)
            {
                ok++;
            }
            else if (bad++ == 0)
            {
                first = $"gfn {gfn} ({scenario.Classes[gfn]}, generation {generation})";
            }
        }
        return (ok, bad, first);
    }
}
