namespace GuestAssist.GuestRig.Tests.Qemu;

/// <summary>What to boot: an ELF vmlinux (PVH) with an initramfs in a guest of <see cref="MemoryMiB"/>.</summary>
public sealed record QemuGuestOptions(string Vmlinux, string Initramfs, int MemoryMiB, string WorkDirectory)
{
    public string KernelArguments { get; init; } = "console=ttyS0 quiet panic=-1 mitigations=off";
}
