namespace GuestAssist.GuestRig.Tests.Scenarios;

/// <summary>
/// A heat method that must find the hot half of a heat workload (on <see cref="Kernel"/>, or any kernel
/// when null). Methods and workloads without a row are measured and reported only.
/// </summary>
public sealed record HeatExpectation(string Method, WorkloadKind Workload, string? Kernel, double MinRecall = 0.9, double MaxFalseHot = 0.1)
{
    public static readonly HeatExpectation[] All =
    [
        new("damon", WorkloadKind.HeatRead, "6.12"),
        new("damon", WorkloadKind.HeatWrite, "6.12"),
        new("soft-dirty", WorkloadKind.HeatWrite, null),
    ];

    public static HeatExpectation? For(string method, WorkloadKind workload, string kernel) =>
        All.FirstOrDefault(e => e.Method == method && e.Workload == workload && (e.Kernel is null || e.Kernel == kernel));
}
