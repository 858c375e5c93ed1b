namespace GuestAssist.GuestRig.Tests.Scenarios;

/// <summary>rigload's modes.</summary>
public enum WorkloadKind
{
    Pipe,
    Socket,
    Bpf,
    HeatRead,
    HeatWrite,
}
