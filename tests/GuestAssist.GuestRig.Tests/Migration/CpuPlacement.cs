using System.Globalization;
using GuestAssist.GuestRig.Tests.Support;

namespace GuestAssist.GuestRig.Tests.Migration;

/// <summary>
/// Where a run's threads may execute. Source and destination share this machine, so without placement the
/// migration machinery of both ends (page server, network stack, handler, QEMU's migration thread) takes CPU
/// from the very vCPU whose recovery is measured, and the scheduler moves the vCPU between cores from run to
/// run. Two hosts each have a core of their own for that work: here the vCPU thread of whichever QEMU runs the
/// guest gets the last CPU to itself and everything else shares the others. Every method runs under the same
/// placement. GUESTASSIST_MIGRATION_PIN=0 turns it off.
/// </summary>
public static class CpuPlacement
{
    public const string Variable = "GUESTASSIST_MIGRATION_PIN";

    public static bool Enabled => Environment.ProcessorCount >= 2 && Environment.GetEnvironmentVariable(Variable) != "0";

    public static int VcpuCpu => Environment.ProcessorCount - 1;

    private static string HostCpus => Environment.ProcessorCount == 2 ? "0" : string.Create(CultureInfo.InvariantCulture, $"0-{Environment.ProcessorCount - 2}");

    private static string AllCpus => string.Create(CultureInfo.InvariantCulture, $"0-{Environment.ProcessorCount - 1}");

    /// <summary>Keeps every thread of this process (and what it starts from now on) off the vCPU's core until disposed.</summary>
    public static async Task<IAsyncDisposable> KeepHostSideOffTheVcpuAsync()
    {
        if (!Enabled)
        {
            return new Restore(null);
        }
        await SetAsync(["-a", "-p", "-c", HostCpus, Pid(Environment.ProcessId)]);
        return new Restore(Environment.ProcessId);
    }

    /// <summary>Puts QEMU's threads on the host side and its vCPU thread (named by `-name …,debug-threads=on`) on the vCPU's core.</summary>
    public static async Task PlaceAsync(int qemuPid)
    {
        if (!Enabled)
        {
            return;
        }
        await SetAsync(["-a", "-p", "-c", HostCpus, Pid(qemuPid)]);
        var vcpus = Directory.EnumerateDirectories($"/proc/{qemuPid}/task")
            .Where(task => ReadComm(task) is { } comm && comm.StartsWith("CPU ", StringComparison.Ordinal) && comm.EndsWith("/TCG", StringComparison.Ordinal))
            .Select(Path.GetFileName)
            .ToList();
        if (vcpus.Count == 0)
        {
            throw new InvalidOperationException($"QEMU {qemuPid} has no thread named \"CPU n/TCG\": is debug-threads=on missing?");
        }
        foreach (var tid in vcpus)
        {
            await SetAsync(["-p", "-c", VcpuCpu.ToString(CultureInfo.InvariantCulture), tid!]);
        }
    }

    private static string? ReadComm(string task)
    {
        try
        {
            return File.ReadAllText(Path.Combine(task, "comm")).Trim();
        }
        catch (IOException)
        {
            return null; // the thread ended
        }
    }

    private static string Pid(int pid) => pid.ToString(CultureInfo.InvariantCulture);

    private static async Task SetAsync(IReadOnlyList<string> arguments)
    {
        var result = await CommandRunner.RunAsync("taskset", arguments, TimeSpan.FromSeconds(10));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"taskset {string.Join(' ', arguments)} failed: {result.FirstErrorLine}");
        }
    }

    private sealed class Restore(int? pid) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            if (pid is { } p)
            {
                await SetAsync(["-a", "-p", "-c", AllCpus, Pid(p)]);
            }
        }
    }
}
