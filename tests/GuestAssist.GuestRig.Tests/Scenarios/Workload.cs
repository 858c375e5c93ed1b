using System.Globalization;

namespace GuestAssist.GuestRig.Tests.Scenarios;

/// <summary>
/// One rigload process: <see cref="MiB"/> of pattern pages tagged <see cref="Tag"/>; heat workloads also
/// hold <see cref="ColdMiB"/> of cold pages tagged <see cref="ColdTag"/> (= Tag + 1, rigload's rule).
/// </summary>
public sealed record Workload(WorkloadKind Kind, int MiB, uint Tag, int ColdMiB = 0)
{
    public static readonly Workload Pipe64 = new(WorkloadKind.Pipe, 64, 1);
    public static readonly Workload Socket64 = new(WorkloadKind.Socket, 64, 2);
    public static readonly Workload Bpf64 = new(WorkloadKind.Bpf, 64, 3);
    public static readonly Workload HeatRead64 = new(WorkloadKind.HeatRead, 64, 16, 64);
    public static readonly Workload HeatWrite64 = new(WorkloadKind.HeatWrite, 64, 32, 64);

    public uint ColdTag => Tag + 1;

    public bool IsHeat => Kind is WorkloadKind.HeatRead or WorkloadKind.HeatWrite;

    /// <summary>rigload's mode name, also what its READY line says.</summary>
    public string Mode => Kind switch
    {
        WorkloadKind.Pipe => "pipe",
        WorkloadKind.Socket => "socket",
        WorkloadKind.Bpf => "bpf",
        WorkloadKind.HeatRead => "heat-read",
        WorkloadKind.HeatWrite => "heat-write",
        _ => throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "unknown workload"),
    };

    public string CommandLine => IsHeat
        ? string.Create(CultureInfo.InvariantCulture, $"/bin/rigload {Mode} {MiB} {ColdMiB} {Tag}")
        : string.Create(CultureInfo.InvariantCulture, $"/bin/rigload {Mode} {MiB} {Tag}");

    public int HotPages => MiB * 256;

    public int ColdPages => ColdMiB * 256;
}
