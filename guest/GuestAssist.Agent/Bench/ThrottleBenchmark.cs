using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using GuestAssist.Agent.Serving;
using GuestAssist.Guest.ProcFs;
using GuestAssist.Guest.Throttling;
using GuestAssist.Linux.Pagemap;
using GuestAssist.Linux.Processes;
using GuestAssist.Linux.Sockets;
using GuestAssist.Linux.Userfaultfd;

namespace GuestAssist.Agent.Bench;

/// <summary>
/// `guestassist-agent bench-throttle`: on this machine, side by side in one run, a rogue that dirties a 1 GiB buffer
/// as fast as it can beside a neighbour doing steady CPU work. The rogue's dirty rate is measured the way a host's
/// dirty log would (userfaultfd WP_ASYNC + PAGEMAP_SCAN over its buffer) and drives the throttler every 250 ms.
/// Prints: rogue throttled vs the budget; the neighbour throttled-rogue vs unthrottled; the same neighbour when every
/// process is duty-cycled to reach the same rogue rate (as auto-converge throttles a whole VM); and the time from
/// the agent's SIGKILL to the rogue running again (the sentinel).
/// </summary>
internal static class ThrottleBenchmark
{
    private const double MiB = 1024 * 1024;
    private static readonly TimeSpan Phase = TimeSpan.FromSeconds(4);
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(250);

    public static int Run(double budgetMiB, string method, TextWriter output)
    {
        var throttleMethod = method switch
        {
            "cgroup-cpu" => GuestAssist.Protocol.V1.ThrottleMethod.CgroupCpu,
            "cgroup-freeze" => GuestAssist.Protocol.V1.ThrottleMethod.CgroupFreeze,
            _ => GuestAssist.Protocol.V1.ThrottleMethod.SigstopDuty,
        };
        var command = AgentExecutable.Command();
        if (command is null)
        {
            output.WriteLine("bench-throttle: run it as guestassist-agent (it starts its own rogue and neighbour)");
            return ExitCodes.Unavailable;
        }
        var directory = Directory.CreateTempSubdirectory("ga-bench-throttle-").FullName;
        var socketPath = Path.Combine(directory, "rogue.sock");
        var journalPath = Path.Combine(directory, "throttle.journal");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        listener.Listen(1);
        using var neighbour = Process.Start(AgentExecutable.StartInfo(command, "bench-neighbour"))!;
        using var rogue = Process.Start(AgentExecutable.StartInfo(command, "bench-rogue", "--socket", socketPath, "--mib", "1024"))!;
        try
        {
            using var log = RogueDirtyLog.Accept(listener, rogue.Id);
            var paths = ProcFsPaths.Live;
            Thread.Sleep(500);

            var (freeRate, freeCpu) = Measure(log, neighbour.Id, Phase);
            output.WriteLine(Line($"unthrottled: rogue dirties {freeRate / MiB:F0} MiB/s, neighbour runs {freeCpu:P0} of a core"));

            var journal = new ThrottleJournal(journalPath);
            var actuator = ThrottleActuatorFactory.Create(throttleMethod, paths, journal, out var why);
            if (actuator is null)
            {
                output.WriteLine(Line($"{method} is not available here: {why}"));
                return 3;
            }
            output.WriteLine(Line($"rogue held by {actuator.Name}"));
            using var throttler = new Throttler(paths, journal, new ProtectionPolicy(), actuator);
            throttler.Apply(new ThrottlePolicy(budgetMiB * MiB, ThrottlePolicy.DefaultPeriod, ThrottlePolicy.DefaultMaxStop, [], [], []));
            var converge = Stopwatch.StartNew();
            while (converge.Elapsed < Phase)
            {
                var rate = log.Rate(Step);
                throttler.Observe([new DirtyRateSample(rogue.Id, rate, "uffd dirty log"), new DirtyRateSample(neighbour.Id, 0, "uffd dirty log")]);
            }
            var duty = throttler.Status().FirstOrDefault(s => s.Pid == rogue.Id)?.Duty ?? 1;
            // Keep controlling while measuring, as the agent does.
            var (heldRate, heldCpu) = MeasureWhile(log, neighbour.Id, Phase, rate =>
                throttler.Observe([new DirtyRateSample(rogue.Id, rate, "uffd dirty log"), new DirtyRateSample(neighbour.Id, 0, "uffd dirty log")]));
            duty = throttler.Status().FirstOrDefault(s => s.Pid == rogue.Id)?.Duty ?? duty;
            throttler.ReleaseAll();
            output.WriteLine(Line($"rogue throttled: {heldRate / MiB:F0} MiB/s against a {budgetMiB:F0} MiB/s budget (ratio {heldRate / (budgetMiB * MiB):F2}, target 0.85-1.15), duty {duty:F3}"));
            output.WriteLine(Line($"neighbour while only the rogue is throttled: {heldCpu:P0} of a core, ratio {heldCpu / freeCpu:F2} of unthrottled (target >= 0.95)"));

            using (var wholeVm = new DutyCycler(new ThrottleJournal(journalPath), ThrottlePolicy.DefaultPeriod, ThrottlePolicy.DefaultMaxStop))
            {
                ProcessIdentity.TryRead(paths, rogue.Id, out var rogueIdentity, out _);
                ProcessIdentity.TryRead(paths, neighbour.Id, out var neighbourIdentity, out _);
                // One duty for every process, steered until the rogue dirties what it did under GuestAssist's throttle.
                var vmDuty = duty;
                void SetAll(double value)
                {
                    wholeVm.Set(rogueIdentity, value);
                    wholeVm.Set(neighbourIdentity, value);
                }
                void Steer(double rate) => SetAll(vmDuty = Math.Clamp(vmDuty * Math.Sqrt(heldRate / Math.Max(rate, 1)), 0.005, 1));
                SetAll(vmDuty);
                var steering = Stopwatch.StartNew();
                while (steering.Elapsed < Phase)
                {
                    Steer(log.Rate(Step));
                }
                var (vmRate, vmCpu) = MeasureWhile(log, neighbour.Id, Phase, Steer);
                output.WriteLine(Line($"whole-VM throttle (every process at one duty, {vmDuty:F3}, steered to the same rogue rate, as auto-converge throttles a VM): rogue {vmRate / MiB:F0} MiB/s, neighbour {vmCpu:P0} of a core, ratio {vmCpu / freeCpu:F2} of unthrottled"));
                output.WriteLine(Line($"headline: the neighbour keeps {heldCpu / Math.Max(vmCpu, 1e-9):F1}x the throughput under GuestAssist's throttle than under a whole-VM throttle at the same rogue rate"));
            }

            output.WriteLine(Line($"agent SIGKILL -> rogue running again: {SentinelResumeTime(command, rogue.Id, journalPath).TotalMilliseconds:F0} ms (target <= 1000 ms)"));
            return ExitCodes.Ok;
        }
        finally
        {
            foreach (var child in new[] { rogue, neighbour })
            {
                ProcessSignals.Continue(child.Id);
                child.Kill();
                child.WaitForExit();
            }
            Directory.Delete(directory, recursive: true);
        }
    }

    private static string Line(string text) => string.Create(CultureInfo.InvariantCulture, $"bench-throttle: {text}");

    private static (double DirtyRate, double NeighbourCpu) Measure(RogueDirtyLog log, int neighbour, TimeSpan duration) =>
        MeasureWhile(log, neighbour, duration, _ => { });

    private static (double DirtyRate, double NeighbourCpu) MeasureWhile(RogueDirtyLog log, int neighbour, TimeSpan duration, Action<double> onStep)
    {
        var cpuBefore = CpuSeconds(neighbour);
        var watch = Stopwatch.StartNew();
        double pages = 0;
        while (watch.Elapsed < duration)
        {
            var rate = log.Rate(Step);
            pages += rate;
            onStep(rate);
        }
        var elapsed = watch.Elapsed.TotalSeconds;
        return (pages * Step.TotalSeconds / elapsed, (CpuSeconds(neighbour) - cpuBefore) / elapsed);
    }

    /// <summary>Stops the rogue as a throttled process is, journals it, lets a sentinel watch a stand-in agent, SIGKILLs that agent.</summary>
    private static TimeSpan SentinelResumeTime(IReadOnlyList<string> command, int roguePid, string journalPath)
    {
        var paths = ProcFsPaths.Live;
        using var agent = Process.Start(new ProcessStartInfo("sleep", "1000") { UseShellExecute = false })!;
        ProcessIdentity.TryRead(paths, agent.Id, out var agentIdentity, out _);
        ProcessIdentity.TryRead(paths, roguePid, out var rogueIdentity, out _);
        var journal = new ThrottleJournal(journalPath);
        journal.Add(rogueIdentity);
        using var sentinel = Process.Start(AgentExecutable.StartInfo(command, "sentinel", "--journal", journalPath, "--agent",
            string.Create(CultureInfo.InvariantCulture, $"{agentIdentity.Pid}:{agentIdentity.StartTicks}")))!;
        Thread.Sleep(1000);
        ProcessSignals.Stop(roguePid);
        Thread.Sleep(100);
        agent.Kill();
        var watch = Stopwatch.StartNew();
        while (ProcessIdentity.TryRead(paths, roguePid, out _, out var stat) && stat.State is 'T' or 't' && watch.Elapsed < TimeSpan.FromSeconds(10))
        {
            Thread.Sleep(1);
        }
        var elapsed = watch.Elapsed;
        sentinel.WaitForExit(5000);
        return elapsed;
    }

    private static double CpuSeconds(int pid)
    {
        var text = File.ReadAllText($"/proc/{pid}/stat");
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    /// <summary>The rogue's buffer under a WP_ASYNC userfaultfd it handed over: pages written per window, as a host dirty log sees them.</summary>
    private sealed class RogueDirtyLog : IDisposable
    {
        private readonly Userfaultfd _uffd;
        private readonly PagemapScanner _scanner;
        private readonly ulong _start;
        private readonly ulong _end;
        private readonly PageRegion[] _regions = new PageRegion[512];

        private RogueDirtyLog(Userfaultfd uffd, PagemapScanner scanner, ulong start, ulong end)
        {
            _uffd = uffd;
            _scanner = scanner;
            _start = start;
            _end = end;
        }

        public static RogueDirtyLog Accept(Socket listener, int pid)
        {
            using var connection = listener.Accept();
            var buffer = new byte[128];
            var message = FdPassing.Receive(connection, buffer, 30_000);
            var parts = Encoding.ASCII.GetString(buffer, 0, message.Bytes).Trim().Split(' ');
            var start = ulong.Parse(parts[0], CultureInfo.InvariantCulture);
            var length = ulong.Parse(parts[1], CultureInfo.InvariantCulture);
            var uffd = Userfaultfd.Adopt(message.Descriptors[0]);
            uffd.Register(start, length, UffdRegisterMode.WriteProtect);
            uffd.WriteProtect(start, length, protect: true);
            connection.Send([1]);
            return new RogueDirtyLog(uffd, new PagemapScanner(pid), start, start + length);
        }

        /// <summary>Waits <paramref name="window"/>, then counts (and re-protects) the pages written in it; bytes per second.</summary>
        public double Rate(TimeSpan window)
        {
            var watch = Stopwatch.StartNew();
            Thread.Sleep(window);
            ulong pages = 0;
            var start = _start;
            while (start < _end)
            {
                var result = _scanner.Scan(start, _end, _regions, PagemapScanFlags.WpMatching | PagemapScanFlags.CheckWpAsync, PageCategories.Written, PageCategories.Written);
                for (var i = 0; i < result.Regions; i++)
                {
                    pages += (_regions[i].End - _regions[i].Start) / 4096;
                }
                if (result.WalkEnd <= start)
                {
                    break;
                }
                start = result.WalkEnd;
            }
            return pages * 4096 / watch.Elapsed.TotalSeconds;
        }

        public void Dispose()
        {
            _scanner.Dispose();
            _uffd.Dispose();
        }
    }
}
