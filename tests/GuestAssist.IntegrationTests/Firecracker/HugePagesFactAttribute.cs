namespace GuestAssist.IntegrationTests.Firecracker;

/// <summary>
/// A fact that needs root and 2 MiB huge pages that can be reserved: probed by raising /proc/sys/vm/nr_hugepages by
/// <see cref="HugePageReservation.ProbePages"/> and restoring it at once; skipped with the reason otherwise.
/// </summary>
public sealed class HugePagesFactAttribute : FactAttribute
{
    public HugePagesFactAttribute()
    {
        if (!OperatingSystem.IsLinux() || !Environment.IsPrivilegedProcess)
        {
            Skip = "needs root on Linux (userfaultfd and /proc/sys/vm/nr_hugepages)";
            return;
        }
        if (HugePageReservation.WhyNot(HugePageReservation.ProbePages) is { } reason)
        {
            Skip = reason;
        }
    }
}
