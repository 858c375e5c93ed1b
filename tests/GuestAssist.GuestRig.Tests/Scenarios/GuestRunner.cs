using System.Diagnostics;
using System.Globalization;
using GuestAssist.GuestRig.Tests.Analysis;
using GuestAssist.GuestRig.Tests.Building;
using GuestAssist.GuestRig.Tests.Qemu;
using GuestAssist.GuestRig.Tests.Support;

namespace GuestAssist.GuestRig.Tests.Scenarios;

/// <summary>
/// Boots one scenario: builds its initramfs, starts QEMU, waits for RIG-DONE, receives /out, reads the
/// ground truth from the RAM file while the workloads are still alive, then kills the guest. The
/// console log and /out are kept under artifacts/guest-rig/runs/SCENARIO.
/// </summary>
public static class GuestRunner
{
    public static readonly TimeSpan BootTimeout = TimeSpan.FromMinutes(2);

    public static readonly TimeSpan ScenarioTimeout = TimeSpan.FromMinutes(10);

    public static async Task<GuestRun> RunAsync(GuestScenario scenario, RigInputs inputs)
    {
        var keep = Path.Combine(RepositoryPaths.Artifacts, "runs", scenario.Name);
        if (Directory.Exists(keep))
        {
            Directory.Delete(keep, recursive: true);
        }
        Directory.CreateDirectory(keep);
        var consoleLogPath = Path.Combine(keep, "console.log");
        var work = Directory.CreateTempSubdirectory("ga-rig-").FullName;
        QemuGuest? guest = null;
        try
        {
            var kernelDirectory = inputs.KernelDirectory(scenario.Kernel);
            var initramfs = await InitramfsBuilder.BuildAsync(work, kernelDirectory, inputs.AgentPackage, inputs.RigloadBinary, scenario.Script());
            guest = QemuGuest.Start(new QemuGuestOptions(Path.Combine(kernelDirectory, "vmlinux"), initramfs, scenario.MemoryMiB, work));
            await guest.Console.WaitForLineAsync(line => line.Contains("RIG-INIT", StringComparison.Ordinal), "RIG-INIT (the initramfs's /init running)", BootTimeout);
            var boot = guest.Console.Elapsed;
            await guest.Console.WaitForLineAsync(line => line.Contains("RIG-WORKLOADS-READY", StringComparison.Ordinal), "RIG-WORKLOADS-READY (every rigload READY)", ScenarioTimeout);
            var ready = guest.Console.Elapsed;
            var outDirectory = Path.Combine(keep, "out");
            await guest.ReceiveResultsAsync(outDirectory, ScenarioTimeout);
            await guest.Console.WaitForLineAsync(line => line.Contains("RIG-DONE", StringComparison.Ordinal), "RIG-DONE (results sent, workloads alive)", TimeSpan.FromMinutes(1));
            var done = guest.Console.Elapsed;

            var readyPages = ParseReady(File.ReadAllText(Path.Combine(outDirectory, "ready.txt")));
            var pagesByTag = new Dictionary<uint, int>();
            foreach (var workload in scenario.Workloads)
            {
                if (workload.IsHeat)
                {
                    pagesByTag[workload.Tag] = workload.HotPages;
                    pagesByTag[workload.ColdTag] = workload.ColdPages;
                }
                else if (readyPages.TryGetValue(workload.Mode, out var pages))
                {
                    pagesByTag[workload.Tag] = pages;
                }
            }
            var clock = Stopwatch.StartNew();
            var copies = RamFileScanner.Scan(guest.RamFile, pagesByTag);
            var ramScan = clock.Elapsed;
            var scans = scenario.Scans.Select(method => ScanResult.Load(outDirectory, method)).ToList();
            var package = PackageCheck.Parse(File.ReadAllText(Path.Combine(outDirectory, "package.txt")));
            return new GuestRun(scenario, scans, copies, readyPages, boot, ready, done, ramScan, consoleLogPath, package);
        }
        catch (Exception ex)
        {
            throw new GuestRunException($"{scenario.Name}: {ex.Message}", guest?.Console.Format() ?? "", consoleLogPath, ex);
        }
        finally
        {
            if (guest is not null)
            {
                await File.WriteAllTextAsync(consoleLogPath, guest.Console.Format());
                await guest.DisposeAsync();
            }
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>"READY &lt;mode&gt; &lt;pages&gt; &lt;pid&gt;" lines.</summary>
    private static Dictionary<string, int> ParseReady(string text)
    {
        var pages = new Dictionary<string, int>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var fields = line.Split(' ');
            if (fields.Length == 4 && fields[0] == "READY")
            {
                pages[fields[1]] = int.Parse(fields[2], CultureInfo.InvariantCulture);
                pages[fields[1] + ":pid"] = int.Parse(fields[3], CultureInfo.InvariantCulture);
            }
        }
        return pages;
    }
}
