using GuestAssist.GuestRig.Tests.Building;
using GuestAssist.GuestRig.Tests.Support;

namespace GuestAssist.GuestRig.Tests.Migration;

/// <summary>
/// Prepares the benchmark once: the rig's cache (prepare.sh, through <see cref="RigAvailability"/>), QEMU 10 and
/// gnuplot (prepare-migration.sh), the agent's .deb, migload, the preload library, one initramfs per workload and
/// the disk whose blocks become page cache.
/// </summary>
public static class MigrationInputsBuilder
{
    public const string Kernel = "6.12";

    public const int DiskMiB = 128;

    /// <summary>
    /// The agent's settings in the guests (GUESTASSIST_MIGRATION_AGENT_ENV overrides): soft-dirty heat by default. Under TCG
    /// DAMON's kdamonds took about half of the one vCPU for the heat window (the service ran at 0.4–0.6 of its baseline
    /// while the map was made, and the map took 3.6–3.9 s instead of 2.6–2.9 s); soft-dirty costs the guest next to nothing.
    /// </summary>
    public static string AgentEnvironment => Environment.GetEnvironmentVariable("GUESTASSIST_MIGRATION_AGENT_ENV") ?? "GUESTASSIST_HEAT=soft-dirty";

    /// <summary>Null with a reason when the benchmark cannot run here.</summary>
    /// <param name="workloads">The workloads whose guest images to build.</param>
    /// <param name="shippedCli">Run the CLI as build.cake publishes it (the benchmark); otherwise the test build's JIT copy (a minute less to prepare).</param>
    public static async Task<(MigrationInputs? Inputs, string? SkipReason)> BuildAsync(IEnumerable<MigrationWorkload> workloads, bool shippedCli = false)
    {
        if (RigAvailability.SkipReason is { } rig)
        {
            return (null, rig);
        }
        var prepared = await CommandRunner.RunAsync("bash", [Path.Combine(RepositoryPaths.RigScripts, "prepare-migration.sh")], TimeSpan.FromMinutes(15));
        if (prepared.ExitCode == 3)
        {
            return (null, prepared.FirstErrorLine);
        }
        if (prepared.ExitCode != 0)
        {
            throw new InvalidOperationException($"prepare-migration.sh exited with {prepared.ExitCode}: {prepared.FirstErrorLine}");
        }
        var qemu = prepared.StandardOutput.Trim().Split('\n').Last().Trim();
        var directory = Path.Combine(RepositoryPaths.Artifacts, "migration");
        Directory.CreateDirectory(directory);
        var agent = await AgentPublisher.PublishAsync();
        var package = await AgentPackager.BuildAsync(agent);
        var rigload = await RigloadBuilder.BuildAsync();
        var migload = await NativeBuilder.GuestProgramAsync(Path.Combine("workload", "migload.c"), "migload", "-lm");
        var preload = await NativeBuilder.PreloadLibraryAsync(Path.Combine("migration", "uffd-preload.c"), "uffd-preload.so");
        var kernel = Path.Combine(RigAvailability.CacheDirectory, "kernel-" + Kernel);
        var images = new Dictionary<string, string>();
        foreach (var workload in workloads)
        {
            var work = Path.Combine(directory, "image-" + workload.Name);
            if (Directory.Exists(work))
            {
                Directory.Delete(work, recursive: true);
            }
            Directory.CreateDirectory(work);
            images[workload.Name] = await InitramfsBuilder.BuildAsync(work, kernel, package, rigload, workload.Script(AgentEnvironment), [migload]);
        }
        var disk = Path.Combine(directory, "disk.img");
        if (!File.Exists(disk) || new FileInfo(disk).Length != (long)DiskMiB << 20)
        {
            await CommandRunner.RunCheckedAsync("dd", ["if=/dev/urandom", $"of={disk}", "bs=1M", $"count={DiskMiB}", "status=none"], TimeSpan.FromMinutes(2));
        }
        var cli = shippedCli ? await CliPublisher.PublishAsync() : Path.Combine(AppContext.BaseDirectory, "guestassist");
        return (new MigrationInputs(qemu, Path.Combine(kernel, "vmlinux"), images, disk, preload, cli), null);
    }
}
