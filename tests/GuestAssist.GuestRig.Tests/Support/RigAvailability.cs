namespace GuestAssist.GuestRig.Tests.Support;

/// <summary>
/// Whether the rig can run here, decided once per test process: Linux, root, room in /dev/shm for the
/// guests' RAM files, and tests/guest-rig/prepare.sh succeeding (it exits 3 with a one-line reason when
/// QEMU, busybox or a kernel cannot be had). On success <see cref="CacheDirectory"/> holds the kernels.
/// </summary>
public static class RigAvailability
{
    /// <summary>Two 3 GiB guests may run at once.</summary>
    public const long RequiredSharedMemoryBytes = 7L << 30;

    private static readonly Lazy<(string? SkipReason, string? Cache)> State = new(Probe);

    public static string? SkipReason => State.Value.SkipReason;

    public static string CacheDirectory => State.Value.Cache ?? throw new InvalidOperationException($"the guest rig is unavailable: {SkipReason}");

    private static (string?, string?) Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return ("needs Linux", null);
        }
        if (!Environment.IsPrivilegedProcess)
        {
            return ("needs root (prepare.sh installs QEMU with apt; the guests' RAM files are read from /dev/shm)", null);
        }
        var shm = new DriveInfo("/dev/shm");
        if (!shm.IsReady || shm.AvailableFreeSpace < RequiredSharedMemoryBytes)
        {
            return ($"needs {RequiredSharedMemoryBytes >> 30} GiB free in /dev/shm for guest RAM files", null);
        }
        var script = Path.Combine(RepositoryPaths.RigScripts, "prepare.sh");
        var result = CommandRunner.RunAsync("bash", [script], TimeSpan.FromMinutes(15)).GetAwaiter().GetResult();
        if (result.ExitCode == 3)
        {
            return ($"prepare.sh: {result.FirstErrorLine}", null);
        }
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"prepare.sh exited with {result.ExitCode}: {result.FirstErrorLine}");
        }
        var cache = result.StandardOutput.Trim().Split('\n').Last().Trim();
        return Directory.Exists(cache) ? (null, cache) : throw new InvalidOperationException($"prepare.sh printed '{cache}', which is not a directory");
    }
}
