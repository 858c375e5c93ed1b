namespace GuestAssist.Agent.Scan.Json;

/// <summary>How heat was measured, what it cost the agent, and (soft-dirty) who wrote what.</summary>
internal sealed record MethodJson(
    string Heat,
    string HeatReason,
    string HeatSelection,
    string HeatCost,
    double HeatWindowSeconds,
    double HeatAgentCpuSeconds,
    double HeatAgentSetupCpuSeconds,
    double HeatAgentWatchCpuSeconds,
    double HeatWatchedSeconds,
    IReadOnlyList<ProcessWritesJson>? WritesByProcess);
