namespace GuestAssist.GuestRig.Tests.Migration;

/// <summary>Built once per benchmark: QEMU 10, the 6.12 kernel, the guest images per workload, the disk, the preload library, the CLI.</summary>
public sealed record MigrationInputs(string QemuDirectory, string Vmlinux, IReadOnlyDictionary<string, string> Initramfs, string Disk, string PreloadLibrary, string Cli);
