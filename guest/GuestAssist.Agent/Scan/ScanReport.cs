using GuestAssist.Guest.Attribution;
using GuestAssist.Guest.Capabilities;
using GuestAssist.Guest.Heat;
using GuestAssist.Guest.ProcFs;
using GuestAssist.Guest.Scanning;

namespace GuestAssist.Agent.Scan;

/// <summary>Everything one scan produced, for the renderers.</summary>
internal sealed record ScanReport(
    FrameScanResult Scan,
    KernelCounters? Kernel,
    WorkingSet WorkingSet,
    GuestCapabilities Capabilities,
    AttributionResult? Attribution,
    string HeatSelection = "",
    TimeSpan HeatAgentCpu = default,
    IReadOnlyList<ProcessWrites>? Writes = null);
