namespace GuestAssist.GuestRig.Tests.Scenarios;

/// <summary>
/// The boots the tests share: per kernel a 1 GiB guest with every workload and every heat scan, and a
/// 3 GiB guest with the kernel-held workloads and one plain scan.
/// </summary>
public static class StandardScenarios
{
    public static readonly string[] Kernels = ["6.1", "6.12"];

    public const int SmallMiB = 1024;

    public const int LargeMiB = 3072;

    public static readonly Workload[] KernelHeld = [Workload.Pipe64, Workload.Socket64, Workload.Bpf64];

    public static readonly Workload[] Heat = [Workload.HeatRead64, Workload.HeatWrite64];

    public static GuestScenario Small(string kernel, IReadOnlyList<ScanMethod> heatScans) => new(kernel, SmallMiB, [.. KernelHeld, .. Heat], heatScans);

    public static GuestScenario Large(string kernel) => new(kernel, LargeMiB, KernelHeld, [ScanMethod.Plain]);

    public static GuestScenario For(string kernel, int memoryMiB, IReadOnlyList<ScanMethod> heatScans) =>
        memoryMiB == SmallMiB ? Small(kernel, heatScans) : memoryMiB == LargeMiB ? Large(kernel) : throw new ArgumentOutOfRangeException(nameof(memoryMiB), memoryMiB, "no standard scenario of this size");

    /// <summary>In the order they are started: the small guests first, two at a time.</summary>
    public static IEnumerable<(string Kernel, int MemoryMiB)> All()
    {
        foreach (var kernel in Kernels)
        {
            yield return (kernel, SmallMiB);
        }
        foreach (var kernel in Kernels)
        {
            yield return (kernel, LargeMiB);
        }
    }
}
