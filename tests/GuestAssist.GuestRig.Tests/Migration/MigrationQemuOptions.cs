namespace GuestAssist.GuestRig.Tests.Migration;

/// <summary>
/// One QEMU of a migration: the same machine on both sides (pc, TCG, one vCPU, RAM in a shared file, the agent's
/// virtio-serial port, the read-only disk), as source or as destination waiting for `migrate-incoming`.
/// </summary>
public sealed record MigrationQemuOptions(
    string Name,
    string QemuDirectory,
    string Vmlinux,
    string Initramfs,
    int MemoryMiB,
    string RamFile,
    string Disk,
    string WorkDirectory)
{
    public bool Incoming { get; init; }

    /// <summary>Runs QEMU inside this network namespace (the destination side of the shaped link).</summary>
    public string? NetworkNamespace { get; init; }

    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    public string KernelArguments { get; init; } = "console=ttyS0 quiet panic=-1 mitigations=off";

    /// <summary>This QEMU with uffd-preload: its RAM file's mapping goes to <paramref name="socket"/> as a uffd (missing or wp-async).</summary>
    public MigrationQemuOptions WithUffdPreload(string library, string mode, string socket) => this with
    {
        Environment = new Dictionary<string, string>
        {
            ["LD_PRELOAD"] = library,
            ["GUESTASSIST_UFFD_MODE"] = mode,
            ["GUESTASSIST_UFFD_SOCKET"] = socket,
            ["GUESTASSIST_UFFD_RAM"] = RamFile,
        },
    };

    public string QmpSocket => Path.Combine(WorkDirectory, Name + "-qmp.sock");

    public string AgentSocket => Path.Combine(WorkDirectory, Name + "-agent.sock");

    public string Binary => Path.Combine(QemuDirectory, "root", "usr", "bin", "qemu-system-x86_64");
}
